/**
 * `npm run seed [-- <api-url>] [--users N] [--articles N] [--seed N]`: fills a local or deployed
 * API with demo data through its public routes (ops/seed.ts), with a progress bar. Running it again
 * with the same options changes nothing. Exit code 0 done, 2 an error.
 */
import { parseArgs } from 'node:util';
import { Presets, SingleBar } from 'cli-progress';
import { planSize, SeedError, seed, seedPlan } from './seed.ts';

const USAGE =
  'usage: npm run seed -- [<api-url, default http://localhost:3000/api>] [--users 10] [--articles 30] [--seed 1]';

function count(value: string, name: string): number {
  if (!/^\d+$/.test(value)) throw new SeedError(`--${name} must be a whole number\n${USAGE}`);
  return Number(value);
}

async function run(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      users: { type: 'string', default: '10' },
      articles: { type: 'string', default: '30' },
      seed: { type: 'string', default: '1' },
    },
  });
  if (positionals.length > 1) throw new SeedError(USAGE);
  const baseUrl = positionals[0] ?? 'http://localhost:3000/api';
  const options = {
    baseUrl,
    users: count(values.users, 'users'),
    articles: count(values.articles, 'articles'),
    seed: count(values.seed, 'seed'),
  };
  const bar = new SingleBar(
    { format: 'seed {bar} {percentage}% | {value}/{total} | {stage}', hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(planSize(seedPlan(options, options.seed)), 0, { stage: 'users' });
  try {
    const report = await seed({ ...options, onProgress: (stage) => bar.increment({ stage }) });
    bar.stop();
    console.log(`seed: ${baseUrl}, seed ${options.seed}`);
    for (const [stage, { created, existing }] of Object.entries(report)) {
      console.log(`  ${stage.padEnd(9)} ${created} created, ${existing} already there`);
    }
  } finally {
    bar.stop();
  }
}

run().catch((error: unknown) => {
  console.error(`seed failed: ${error instanceof SeedError ? error.message : (error as Error).stack}`);
  process.exitCode = 2;
});
