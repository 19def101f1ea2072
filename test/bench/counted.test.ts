/**
 * `npm run bench`'s harness on a tiny configuration, so it cannot rot: every route answers 2xx and
 * is counted, the list reads cost the same round trips at every page size, the runner's counts
 * agree with what the definitions say, the reads run under load against the floors, the writes in
 * both modes, the fan-out reaches every feed, bundles import, and the report and charts render.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fromRoot } from '../../schemas/paths.ts';
import { routes } from '../../schemas/routes.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';
import { MIXED_WORKLOAD } from './bill.ts';
import { bundleSizes } from './bundles.ts';
import { drawCharts } from './charts.ts';
import { countAuthorizerSession, countRequests, register, seed } from './counted.ts';
import { criticalPaths } from './critical-path.ts';
import { measureFanOut } from './fan-out.ts';
import { bundleDir, importTimes } from './imports.ts';
import { renderBenchmarks, summarize } from './report.ts';
import { timeReads } from './timed.ts';
import { timeWrites } from './writes.ts';

// Read-your-writes first, then restarted on the same tables with async events, as run.ts does.
const restartable = {
  tablePrefix: `t${randomUUID().slice(0, 8)}-`,
  eventsDir: join(mkdtempSync(join(tmpdir(), 'conduit-bench-test-')), 'events'),
};
let current: TestRuntime | undefined;
const runtime = (): TestRuntime => {
  if (!current) throw new Error('no runtime');
  return current;
};
beforeAll(async () => {
  current = await startTestRuntime(restartable);
});
afterAll(async () => {
  await current?.stop();
});

describe('npm run bench', () => {
  it('counts every route, no list read grows with its page size, times reads and writes and the fan-out, and the report renders', async () => {
    const seeded = await seed(runtime(), 3);
    const counted = await countRequests(runtime(), seeded, { pageSizes: [1, 3] });
    const session = await countAuthorizerSession(runtime(), seeded, 3);
    expect(session.map(({ route, invocations }) => ({ route, invocations }))).toEqual([
      { route: 'GET /api/user', invocations: 1 },
      { route: 'GET /api/articles/feed', invocations: 0 },
      { route: 'GET /api/articles', invocations: 3 },
    ]);
    expect(counted.filter(({ status }) => status < 200 || status >= 300)).toEqual([]);
    expect(new Set(counted.map(({ route }) => route))).toEqual(
      new Set(routes.map((route) => `${route.method} ${route.path}`)),
    );
    const calls = (name: string, pageSize: number) => {
      const usage = counted.find((other) => other.name === name && other.pageSize === pageSize)?.counted;
      return { name, dynamoDb: usage?.request.dynamoDbCalls, search: usage?.request.searchCalls };
    };
    const lists = [...new Set(counted.filter(({ pageSize }) => pageSize).map(({ name }) => name))];
    expect(lists).toHaveLength(5);
    for (const name of lists) expect(calls(name, 3)).toEqual(calls(name, 1));

    const article = counted.find(({ name }) => name === 'article, signed in')?.counted.request;
    expect(Object.keys(article?.lambdas ?? {}).sort()).toEqual(['authorizer', 'get-article']);
    expect(article?.readUnits).toBeGreaterThan(0);
    const created = counted.find(({ name }) => name === 'create article')?.counted;
    expect(created?.request.executions['create-article']?.executions).toBe(1);
    expect(created?.request.writeUnits).toBeGreaterThan(0);
    expect(created?.events.executions['article-events']?.executions).toBeGreaterThanOrEqual(1);
    // A key adds the fingerprint's invoke, the claim and keeping the outcome; its replay writes nothing.
    const keyed = counted.find(({ name }) => name === 'create article, keyed')?.counted.request;
    const operations = (usage?: typeof keyed) => usage?.dynamoDbByOperation ?? {};
    expect(keyed?.lambdas['fingerprint-request']?.invocations).toBe(1);
    expect(operations(keyed).PutItem).toBe((operations(created?.request).PutItem ?? 0) + 2);
    const replayed = counted.find(({ name }) => name === 'create article, replayed');
    expect(replayed?.status).toBe(201);
    expect(operations(replayed?.counted.request)).toEqual({ PutItem: 1, GetItem: 1 });
    expect(replayed?.counted.events.executions['article-events']).toBeUndefined();

    // The DynamoDB links of a workflow's critical path are the dependent round trips the runner saw
    // (unfavorite: favorite's critical path is the branch that slug markers from before a deploy take).
    const paths = criticalPaths();
    const unfavorite = paths.find(({ route }) => route === 'DELETE /api/articles/{slug}/favorite');
    const dynamoDbLinks = unfavorite?.chain.filter((link) => !link.startsWith('λ')).length;
    expect(counted.find(({ name }) => name === 'unfavorite')?.counted.request.dependentRoundTrips).toBe(
      dynamoDbLinks,
    );

    expect(Object.values(MIXED_WORKLOAD).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    const timing = { connections: [2], amount: 20, pageSize: 3 };
    const timed = await timeReads(runtime(), seeded, counted, timing, () => {});
    expect(timed.floor.map(({ requests, non2xx }) => ({ requests, non2xx }))).toEqual([
      { requests: 20, non2xx: 0 },
    ]);
    expect(timed.searchFloor.map(({ query, result }) => [query, result.requests, result.non2xx])).toEqual([
      ['page', 20, 0],
      ['tag page', 20, 0],
    ]);
    expect(timed.reads).toHaveLength(6);
    for (const read of timed.reads) {
      expect({ name: read.name, requests: read.result.requests, non2xx: read.result.non2xx }).toEqual({
        name: read.name,
        requests: 20,
        non2xx: 0,
      });
      expect(read.efficiency).toBeGreaterThan(0);
    }
    expect(timed.reads.find(({ name }) => name === 'list by tag')?.searchCalls).toBe(1);

    const { token } = await register(seeded.api, 'writer');
    const writers = { tokens: [token, seeded.reader.token], slugs: seeded.slugs };
    const writing = { connections: [2], amount: 10 };
    const settled = await timeWrites(runtime(), 'settle', writers, writing, () => {});
    await runtime().stop();
    current = await startTestRuntime({ ...restartable, asyncEvents: true });
    const writes = [...(await timeWrites(runtime(), 'async events', writers, writing, () => {})), ...settled];
    expect(writes.map(({ plan, mode, result }) => [plan, mode, result.requests, result.non2xx])).toEqual(
      (['async events', 'settle'] as const).flatMap((mode) =>
        (['favorite pairs', 'comment', 'create article', 'create article, keyed'] as const).map((plan) => [
          plan,
          mode,
          10,
          0,
        ]),
      ),
    );
    // Every feed holds the article (measureFanOut checks it), in ⌈30 / 25⌉ batches without retries.
    const fanOut = await measureFanOut(runtime(), [30], () => {});
    expect(fanOut).toMatchObject([{ followers: 30, feedEntries: 30, batchWrites: 2, idealBatchWrites: 2 }]);

    const bundles = await bundleSizes(bundleDir(fromRoot('.')));
    const smallest = [...bundles].sort((a, b) => a.bytes - b.bytes).slice(0, 2);
    const imports = await importTimes(smallest, bundleDir(fromRoot('.')), 1, () => {});
    expect(imports.map((time) => time.function)).toEqual(smallest.map((bundle) => bundle.function));
    for (const time of imports) expect(time.medianMs).toBeGreaterThan(0);

    const charts = await drawCharts(timed, writes);
    for (const chart of charts) {
      expect(chart.svg).toMatch(/^<svg[\s\S]*<\/svg>$/);
      expect(chart.svg).toContain('list by tag');
    }
    const figures = {
      date: 'test',
      machine: 'test',
      counted,
      criticalPaths: paths,
      authorizerSession: session,
      bundles,
      imports: { runs: 1, times: imports },
      timed,
      writes,
      fanOut,
      charts,
    };
    const summary = summarize(figures);
    expect(summary.mixedWorkflows).toBeGreaterThan(0);
    expect(summary.mixedLambdaOnly).toBeGreaterThan(0);
    const markdown = renderBenchmarks(figures);
    for (const section of [
      '## Round trips per read',
      '## Charts',
      '## Reads under load',
      '## Writes under load',
      '## Fan-out',
      '## Critical path per route',
      '## The authorizer cache',
      '## Cold start',
      '## The AWS bill',
    ]) {
      expect(markdown).toContain(section);
    }
  }, 300_000);
});
