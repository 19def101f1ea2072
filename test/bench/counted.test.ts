/**
 * `npm run bench`'s harness on a tiny configuration, so it cannot rot: every route answers 2xx and
 * is counted, the list reads cost the same round trips at every page size, the runner's counts
 * agree with what the definitions say, the reads run under load against the floor, and the report
 * renders from it all.
 */
import { describe, expect, it } from '@jest/globals';
import { routes } from '../../schemas/routes.ts';
import { useTestRuntime } from '../support/runtime.ts';
import { MIXED_WORKLOAD } from './bill.ts';
import { bundleSizes } from './bundles.ts';
import { countRequests, seed } from './counted.ts';
import { criticalPaths } from './critical-path.ts';
import { renderBenchmarks, summarize } from './report.ts';
import { timeReads } from './timed.ts';

const { runtime } = useTestRuntime();

describe('npm run bench', () => {
  it('counts every route, no list read grows with its page size, times the reads, and the report renders', async () => {
    const seeded = await seed(runtime(), 3);
    const counted = await countRequests(runtime(), seeded, { pageSizes: [1, 3] });
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

    // The DynamoDB links of a workflow's critical path are the dependent round trips the runner saw.
    const paths = criticalPaths();
    const favorite = paths.find(({ route }) => route === 'POST /api/articles/{slug}/favorite');
    const dynamoDbLinks = favorite?.chain.filter((link) => !link.startsWith('λ')).length;
    expect(counted.find(({ name }) => name === 'favorite')?.counted.request.dependentRoundTrips).toBe(
      dynamoDbLinks,
    );

    expect(Object.values(MIXED_WORKLOAD).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    const timing = { connections: [2], amount: 20, pageSize: 3 };
    const timed = await timeReads(runtime(), seeded, counted, timing, () => {});
    expect(timed.floor.map(({ requests, non2xx }) => ({ requests, non2xx }))).toEqual([
      { requests: 20, non2xx: 0 },
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
    const figures = {
      date: 'test',
      machine: 'test',
      counted,
      criticalPaths: paths,
      bundles: await bundleSizes(),
      timed,
    };
    const summary = summarize(figures);
    expect(summary.mixedWorkflows).toBeGreaterThan(0);
    expect(summary.mixedLambdaOnly).toBeGreaterThan(0);
    const markdown = renderBenchmarks(figures);
    for (const section of [
      '## Round trips per read',
      '## Reads under load',
      '## Critical path per route',
      '## Cold start',
      '## The AWS bill',
    ]) {
      expect(markdown).toContain(section);
    }
  }, 240_000);
});
