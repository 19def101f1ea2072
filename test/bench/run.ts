/**
 * `npm run bench`: what each request costs, counted on a fresh local runtime (in-memory DynamoDB
 * Local): round trips per read at page sizes 1, 20 and 100, the critical path per route, each
 * function's bundle, and the AWS bill per endpoint and for a mixed workload against Lambda-only
 * handlers; then the main reads timed under load at 10 and 100 connections (2,000 requests each
 * after a warm-up) against the raw DynamoDB Local floor. Writes docs/benchmarks.md and .json.
 *   --quick  page sizes 1 and 20, 200 requests at 10 connections (a smoke run)
 */
import '../../local/polyfills.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../../local/runtime.ts';
import { fromRoot } from '../../schemas/paths.ts';
import { bundleSizes } from './bundles.ts';
import { countRequests, seed } from './counted.ts';
import { criticalPaths } from './critical-path.ts';
import { type BenchFigures, describeMachine, renderBenchmarks, summarize } from './report.ts';
import { timeReads } from './timed.ts';

const quick = process.argv.includes('--quick');
const pageSizes = quick ? [1, 20] : [1, 20, 100];
const timing = quick
  ? { connections: [10], amount: 200, pageSize: 20 }
  : { connections: [10, 100], amount: 2000, pageSize: 20 };
const started = performance.now();
const progress = (step: string) =>
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${step}\n`);

progress('bundling every function with the CDK options');
const bundles = await bundleSizes();
progress(`starting the runtime; seeding ${Math.max(...pageSizes)} articles and counting every route`);
const runtime = await startRuntime({
  port: 0,
  keyDir: join(mkdtempSync(join(tmpdir(), 'conduit-bench-')), 'keys'),
  log: () => undefined,
});
let figures: BenchFigures;
try {
  const seeded = await seed(runtime, Math.max(...pageSizes));
  const counted = await countRequests(runtime, seeded, { pageSizes });
  figures = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    counted,
    criticalPaths: criticalPaths(),
    bundles,
    timed: await timeReads(runtime, seeded, counted, timing, progress),
  };
} finally {
  await runtime.stop();
}
writeFileSync(fromRoot('docs/benchmarks.json'), `${JSON.stringify(figures, null, 2)}\n`);
writeFileSync(fromRoot('docs/benchmarks.md'), renderBenchmarks(figures));
const summary = summarize(figures);
progress(
  `done: docs/benchmarks.md; mixed workload $${summary.mixedWorkflows.toFixed(2)}/M requests (Lambda-only $${summary.mixedLambdaOnly.toFixed(2)}/M)`,
);
