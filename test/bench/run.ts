/**
 * `npm run bench`: what each request costs, counted on a fresh local runtime (in-memory DynamoDB
 * Local): round trips per read at page sizes 1, 20 and 100, the critical path per route, each
 * function's bundle and import time, and the AWS bill per endpoint and for a mixed workload against
 * Lambda-only handlers; then the main reads timed under load at 10 and 100 connections (2,000
 * requests each after a warm-up) against the raw DynamoDB and search floors, writes under load in
 * read-after-write (settle) mode, and, restarted on the same data with `asyncEvents` (the
 * production path), writes under load and the fan-out of one article to 1,000 and 10,000
 * followers. Writes docs/benchmarks.md and .json, and the charts in docs/benchmarks/.
 *   --quick              page sizes 1 and 20, 200 reads and 100 writes per figure at 10 connections,
 *                        one import per function, fan-out to 100 followers (a smoke run)
 *   --search opensearch  search on OpenSearch (OPENSEARCH_URL, or one started here), as `npm start`
 */
import '../../local/polyfills.ts';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startDynamoDbLocal } from '../../local/dynamodb-local.ts';
import { searchEngineChoice, startSearchEngine } from '../../local/opensearch.ts';
import { type Runtime, startRuntime } from '../../local/runtime.ts';
import { functions } from '../../schemas/functions.ts';
import { fromRoot } from '../../schemas/paths.ts';
import { bundleSizes } from './bundles.ts';
import { drawCharts } from './charts.ts';
import { countAuthorizerSession, countRequests, register, seed } from './counted.ts';
import { criticalPaths } from './critical-path.ts';
import { measureFanOut } from './fan-out.ts';
import { bundleDir, importTimes } from './imports.ts';
import { progressDisplay } from './progress.ts';
import { type BenchFigures, describeMachine, renderBenchmarks, summarize } from './report.ts';
import { timeReads } from './timed.ts';
import { timeWrites, type Writers } from './writes.ts';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, search: { type: 'string', default: 'embedded' } },
});
const quick = values.quick;
const search = searchEngineChoice(values.search);
const pageSizes = quick ? [1, 20] : [1, 20, 100];
const timing = quick
  ? { connections: [10], amount: 200, pageSize: 20 }
  : { connections: [10, 100], amount: 2000, pageSize: 20 };
const writing = quick ? { connections: [10], amount: 100 } : { connections: [10, 100], amount: 500 };
const followers = quick ? [100] : [1000, 10_000];
const importRuns = quick ? 1 : 5;

const started = performance.now();
const progress = progressDisplay(
  // Bundling, import times, runtime and seeding, floors and reads, both write modes, restart, fan-out, report.
  1 +
    functions.length +
    1 +
    timing.connections.length * 9 +
    writing.connections.length * 6 +
    1 +
    followers.length * 2 +
    1,
);
const workDir = mkdtempSync(join(tmpdir(), 'conduit-bench-'));
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

progress('bundling every function with the CDK options');
const bundlesAt = bundleDir(fromRoot('.'));
const bundles = await bundleSizes(bundlesAt);
const imports = { runs: importRuns, times: await importTimes(bundles, bundlesAt, importRuns, progress) };

progress(`starting the runtime; seeding ${Math.max(...pageSizes)} articles and counting every route`);
const searchEngine = await startSearchEngine(search, workDir, () => undefined);
const database = await startDynamoDbLocal();
// Two runtimes in turn on the same tables: read-your-writes, then the production path.
const runtimeOptions = {
  port: 0,
  dynamoDbEndpoint: database.endpoint,
  tablePrefix: 'bench-',
  keyDir: join(workDir, 'keys'),
  eventsDir: join(workDir, 'events'),
  log: () => undefined,
};
let figures: BenchFigures;
let runtime: Runtime | undefined;
try {
  runtime = await startRuntime(runtimeOptions);
  const seeded = await seed(runtime, Math.max(...pageSizes));
  const counted = await countRequests(runtime, seeded, { pageSizes });
  const authorizerSession = await countAuthorizerSession(runtime, seeded);
  const timed = await timeReads(runtime, seeded, counted, timing, progress);
  const writers: Writers = {
    tokens: await Promise.all(
      Array.from({ length: Math.min(10, Math.max(...writing.connections)) }, async () =>
        register(seeded.api, 'writer').then(({ token }) => token),
      ),
    ),
    slugs: seeded.slugs,
  };
  const settled = await timeWrites(runtime, 'settle', writers, writing, progress);
  await runtime.stop();
  runtime = undefined;
  progress('restarting the runtime with async events (the production path)');
  runtime = await startRuntime({ ...runtimeOptions, asyncEvents: true });
  const asynchronous = await timeWrites(runtime, 'async events', writers, writing, progress);
  const fanOut = await measureFanOut(runtime, followers, progress);
  const writes = [...asynchronous, ...settled];
  progress('drawing the charts, writing the report');
  const charts = await drawCharts(timed, writes);
  figures = {
    date: new Date().toISOString(),
    machine: `${describeMachine()}; search ${timed.searchEngine}`,
    counted,
    criticalPaths: criticalPaths(),
    authorizerSession,
    bundles,
    imports,
    timed,
    writes,
    fanOut,
    charts: charts.map(({ file, title }) => ({ file, title })),
    seconds: (performance.now() - started) / 1000,
  };
  const chartDir = fromRoot('docs/benchmarks');
  rmSync(chartDir, { recursive: true, force: true });
  mkdirSync(chartDir, { recursive: true });
  for (const chart of charts) writeFileSync(join(chartDir, chart.file), chart.svg);
} finally {
  await runtime?.stop();
  await database.stop();
  await searchEngine?.stop();
  rmSync(workDir, { recursive: true, force: true });
}
writeFileSync(fromRoot('docs/benchmarks.json'), `${JSON.stringify(figures, null, 2)}\n`);
writeFileSync(fromRoot('docs/benchmarks.md'), renderBenchmarks(figures));
progress.stop();
const summary = summarize(figures);
const slowest = [...imports.times].sort((a, b) => b.medianMs - a.medianMs)[0];
process.stderr.write(
  `bench: docs/benchmarks.md in ${Math.round(figures.seconds ?? 0)} s; mixed workload $${summary.mixedWorkflows.toFixed(2)}/M requests (Lambda-only $${summary.mixedLambdaOnly.toFixed(2)}/M); slowest import ${slowest?.function} ${slowest?.medianMs.toFixed(0)} ms; fan-out to ${followers.at(-1)} followers ${figures.fanOut?.at(-1)?.seconds.toFixed(1)} s\n`,
);
