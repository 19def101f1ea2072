/**
 * `npm run seed` against a test runtime: a tiny plan is written through the API, and a second run
 * finds all of it (users log in, nothing is written) and leaves every table as it was.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { planSize, seed, seedPlan } from '../../ops/seed.ts';
import { fromRoot } from '../../schemas/paths.ts';
import { useTestRuntime } from '../support/runtime.ts';

const { runtime, db } = useTestRuntime();
const size = { users: 3, articles: 4 };
/** Two seeds of a few dozen writes each (bcrypt on registration), and the CLI in child processes. */
const SEED_TIMEOUT_MS = 120_000;

/** Items per table, read consistently. */
async function itemCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const [table, name] of Object.entries(runtime().tableNames)) {
    let count = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db().send(
        new ScanCommand({ TableName: name, ConsistentRead: true, Select: 'COUNT', ExclusiveStartKey: start }),
      );
      count += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    counts[table] = count;
  }
  return counts;
}

describe('seed', () => {
  it('plans the same data for the same seed, other data for another', () => {
    expect(seedPlan(size, 7)).toEqual(seedPlan(size, 7));
    expect(seedPlan(size, 8).users).not.toEqual(seedPlan(size, 7).users);
    const plan = seedPlan(size, 7);
    expect(new Set(plan.users.map((user) => user.username)).size).toBe(size.users);
    expect(plan.articles).toHaveLength(size.articles);
    expect(plan.follows.every(([follower, followee]) => follower !== followee)).toBe(true);
  });

  it(
    'writes its plan through the API, and a second run changes nothing',
    async () => {
      const baseUrl = `${runtime().url}/api`;
      const plan = seedPlan(size, 7);
      const progress: string[] = [];
      const first = await seed({ baseUrl, ...size, seed: 7, onProgress: (stage) => progress.push(stage) });
      expect(progress).toHaveLength(planSize(plan));
      expect(first).toEqual({
        users: { created: size.users, existing: 0 },
        articles: { created: size.articles, existing: 0 },
        follows: { created: plan.follows.length, existing: 0 },
        favorites: { created: plan.favorites.length, existing: 0 },
        comments: { created: plan.comments.length, existing: 0 },
      });
      await runtime().events.settle();
      const before = await itemCounts();

      const second = await seed({ baseUrl, ...size, seed: 7 });
      expect(second).toEqual({
        users: { created: 0, existing: size.users },
        articles: { created: 0, existing: size.articles },
        follows: { created: 0, existing: plan.follows.length },
        favorites: { created: 0, existing: plan.favorites.length },
        comments: { created: 0, existing: plan.comments.length },
      });
      await runtime().events.settle();
      expect(await itemCounts()).toEqual(before);

      // What a reader sees: the articles with their tags, and the counts of the plan.
      const listed = (await (await fetch(`${baseUrl}/articles?limit=100`)).json()) as {
        articles: { title: string; favoritesCount: number; tagList: string[] }[];
      };
      expect(listed.articles.map((article) => article.title).sort()).toEqual(
        plan.articles.map((article) => article.title).sort(),
      );
      const favorites = listed.articles.reduce((sum, article) => sum + article.favoritesCount, 0);
      expect(favorites).toBe(plan.favorites.length);
      const tags = (await (await fetch(`${baseUrl}/tags`)).json()) as { tags: string[] };
      expect(tags.tags.sort()).toEqual(
        [...new Set(plan.articles.flatMap((article) => article.tagList))].sort(),
      );
    },
    SEED_TIMEOUT_MS,
  );

  it(
    'npm run seed: a summary of what it wrote, and of what it found on a second run',
    async () => {
      const run = () =>
        promisify(execFile)(
          'npx',
          [
            'tsx',
            fromRoot('ops/seed-cli.ts'),
            `${runtime().url}/api`,
            '--users',
            '2',
            '--articles',
            '2',
            '--seed',
            '9',
          ],
          { cwd: fromRoot('.') },
        );
      const first = await run();
      expect(first.stdout).toMatch(/users\s+2 created, 0 already there/);
      const second = await run();
      expect(second.stdout).toMatch(/users\s+0 created, 2 already there/);
      expect(second.stdout).toMatch(/articles\s+0 created, 2 already there/);
      await expect(
        promisify(execFile)('npx', ['tsx', fromRoot('ops/seed-cli.ts'), '--users', 'many'], {
          cwd: fromRoot('.'),
        }),
      ).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('--users must be a whole number') });
    },
    SEED_TIMEOUT_MS,
  );
});
