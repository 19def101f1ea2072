/**
 * The counted benchmark's harness on a tiny configuration, so `npm run bench` cannot rot: every
 * route answers 2xx, the list reads cost the same round trips at every page size, and what the
 * runtime did matches what the definitions say (the critical path, the bill model's inputs).
 */
import { describe, expect, it } from '@jest/globals';
import { routes } from '../../schemas/routes.ts';
import { useTestRuntime } from '../support/runtime.ts';
import { countRequests } from './counted.ts';

const { runtime, api, db } = useTestRuntime();

describe('counted benchmark', () => {
  it('counts every route, and no list read grows with its page size', async () => {
    const counted = await countRequests(runtime(), api, db(), { pageSizes: [1, 3] });
    expect(counted.filter(({ status }) => status >= 300)).toEqual([]);
    expect(new Set(counted.map(({ route }) => route))).toEqual(
      new Set(routes.map((route) => `${route.method} ${route.path}`)),
    );
    for (const { name, pageSize, counted: usage } of counted) {
      if (pageSize !== 3) continue;
      const small = counted.find((other) => other.name === name && other.pageSize === 1);
      expect({ name, dynamoDb: usage.request.dynamoDbCalls, search: usage.request.searchCalls }).toEqual({
        name,
        dynamoDb: small?.counted.request.dynamoDbCalls,
        search: small?.counted.request.searchCalls,
      });
    }
    const article = counted.find(({ name }) => name === 'article, signed in')?.counted.request;
    expect(article?.lambdas).toEqual({
      authorizer: expect.objectContaining({ invocations: 1 }),
      'get-article': expect.objectContaining({ invocations: 1 }),
    });
    expect(article?.readUnits).toBeGreaterThan(0);
    const created = counted.find(({ name }) => name === 'create article')?.counted;
    expect(created?.request.executions['create-article']).toEqual({
      executions: 1,
      transitions: expect.any(Number),
    });
    expect(created?.request.writeUnits).toBeGreaterThan(0);
    expect(created?.events.executions['article-events']?.executions).toBeGreaterThanOrEqual(1);
    console.log(JSON.stringify(counted.map(({ name, pageSize, counted: c }) => ({ name, pageSize, ...c })), null, 1));
  }, 180_000);
});
