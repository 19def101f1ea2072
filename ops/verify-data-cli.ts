/**
 * `npm run verify-data [-- options]`: compares the derived data (feeds, search index, tags, clean-up
 * after deletes) with what the source tables say it should be, and checks the source invariants
 * (ops/verify-data.ts; definitions in docs/events.md).
 *
 *   --local <url>  a running `npm start` server (default http://localhost:$PORT, PORT 3000 unless set)
 *   --aws          AWS tables and OpenSearch (ops/verify-targets.ts says which variables)
 *   --repair       repair derived data, print what was fixed, then verify again
 *
 * Exit code: 0 nothing found, 1 findings (after --repair: findings left), 2 an error.
 */
import '../local/polyfills.ts';
import { parseArgs } from 'node:util';
import { repairData } from './repair-data.ts';
import { checkedLine, findingLines, repairLines } from './report-lines.ts';
import { verifyData } from './verify-data.ts';
import { awsTarget, localTarget, TargetError, type VerifyTarget } from './verify-targets.ts';

const USAGE = 'usage: npm run verify-data -- [--local <url> | --aws] [--repair]';

async function run(): Promise<number> {
  const { values } = parseArgs({
    options: {
      local: { type: 'string' },
      aws: { type: 'boolean', default: false },
      repair: { type: 'boolean', default: false },
    },
  });
  if (values.aws && values.local !== undefined)
    throw new TargetError(`--local and --aws exclude each other\n${USAGE}`);
  const target: VerifyTarget = values.aws
    ? await awsTarget()
    : await localTarget(values.local ?? `http://localhost:${process.env.PORT ?? 3000}`);
  try {
    console.log(`verify-data: ${target.description}`);
    let report = await verifyData(target.options);
    console.log(checkedLine(report));
    console.log(findingLines(report).join('\n'));
    if (values.repair && report.findings.length) {
      console.log(repairLines(await repairData(target.options, report)).join('\n'));
      console.log('verifying again');
      report = await verifyData(target.options);
      console.log(checkedLine(report));
      console.log(findingLines(report).join('\n'));
    }
    return report.findings.length ? 1 : 0;
  } finally {
    target.close();
  }
}

try {
  process.exitCode = await run();
} catch (error) {
  if (error instanceof TargetError) console.error(`verify-data: ${error.message}`);
  else if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    console.error(`verify-data: ${(error as Error).message}\n${USAGE}`);
  } else console.error(error);
  process.exitCode = 2;
}
