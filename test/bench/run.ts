/**
 * `npm run bench`: latency and throughput of the main operations against a fresh local runtime
 * (in-memory DynamoDB Local, bcrypt at its production cost). Bounded request counts, loopback only.
 *   BENCH_SCALE  multiplies every request count (default 1)
 */
import '../../local/polyfills.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRuntime } from '../../local/runtime.ts';

const scale = Number(process.env.BENCH_SCALE ?? 1);

interface Scenario {
  readonly name: string;
  readonly requests: number;
  readonly concurrency: number;
  readonly run: (index: number) => Promise<Response>;
}

const percentile = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function measure(scenario: Scenario) {
  const count = Math.max(1, Math.round(scenario.requests * scale));
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: scenario.concurrency }, async () => {
      while (next < count) {
        const index = next++;
        const t0 = performance.now();
        const response = await scenario.run(index);
        await response.arrayBuffer();
        latencies.push(performance.now() - t0);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    scenario: scenario.name,
    requests: count,
    concurrency: scenario.concurrency,
    'p50 ms': percentile(latencies, 50).toFixed(1),
    'p95 ms': percentile(latencies, 95).toFixed(1),
    'p99 ms': percentile(latencies, 99).toFixed(1),
    'req/s': (count / seconds).toFixed(1),
    statuses: [...statuses].map(([status, n]) => `${status}×${n}`).join(' '),
  };
}

const runtime = await startRuntime({
  port: 0,
  keyDir: join(mkdtempSync(join(tmpdir(), 'conduit-bench-')), 'keys'),
  log: () => undefined,
});
const base = `${runtime.url}/api`;
const json = (method: string, path: string, body?: unknown, token?: string) =>
  fetch(`${base}${path}`, {
    method,
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Token ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

try {
  const run = Date.now().toString(36);
  const tokens: string[] = [];
  const results = [];
  results.push(
    await measure({
      name: 'POST /api/users (register workflow, bcrypt 10)',
      requests: 40,
      concurrency: 4,
      run: async (index) => {
        const response = await json('POST', '/users', {
          user: { username: `b${run}${index}`, email: `b${run}${index}@bench.io`, password: 'password123' },
        });
        const clone = response.clone();
        if (response.status === 201)
          tokens.push(((await clone.json()) as { user: { token: string } }).user.token);
        return response;
      },
    }),
  );
  results.push(
    await measure({
      name: 'POST /api/users/login (Lambda, bcrypt 10)',
      requests: 40,
      concurrency: 4,
      run: (index) =>
        json('POST', '/users/login', {
          user: { email: `b${run}${index % 40}@bench.io`, password: 'password123' },
        }),
    }),
  );
  results.push(
    await measure({
      name: 'GET /api/user (authorizer + Lambda)',
      requests: 400,
      concurrency: 8,
      run: (index) => json('GET', '/user', undefined, tokens[index % tokens.length]),
    }),
  );
  results.push(
    await measure({
      name: 'PUT /api/user bio (update workflow)',
      requests: 200,
      concurrency: 8,
      // One user per worker slot, so the version condition does not make them conflict.
      run: (index) => json('PUT', '/user', { user: { bio: `bio ${index}` } }, tokens[index % tokens.length]),
    }),
  );
  const reader = tokens[0];
  const authors = await Promise.all(
    tokens.slice(1, 11).map(async (token) => {
      const response = await json('GET', '/user', undefined, token);
      return ((await response.json()) as { user: { username: string } }).user.username;
    }),
  );
  results.push(
    await measure({
      name: 'POST /api/profiles/:username/follow (workflow + events)',
      requests: authors.length,
      concurrency: 2,
      run: (index) => json('POST', `/profiles/${authors[index]}/follow`, undefined, reader),
    }),
  );
  const slugs: string[] = [];
  results.push(
    await measure({
      name: 'POST /api/articles (workflow + fan-out + index)',
      requests: 100,
      concurrency: 4,
      run: async (index) => {
        const response = await json(
          'POST',
          '/articles',
          {
            article: {
              title: `Bench article ${index}`,
              description: 'Measured',
              body: 'A body '.repeat(50),
              tagList: ['bench', `tag${index % 10}`],
            },
          },
          tokens[1 + (index % 10)],
        );
        const clone = response.clone();
        if (response.status === 201)
          slugs.push(((await clone.json()) as { article: { slug: string } }).article.slug);
        return response;
      },
    }),
  );
  const readScenarios: Array<[string, (index: number) => Promise<Response>]> = [
    [
      'GET /api/articles (search index, 20 per page)',
      () => json('GET', '/articles?limit=20', undefined, reader),
    ],
    [
      'GET /api/articles?tag= (search index)',
      (index) => json('GET', `/articles?tag=tag${index % 10}`, undefined, reader),
    ],
    [
      'GET /api/articles?author= (GSI)',
      (index) => json('GET', `/articles?author=${authors[index % authors.length]}`),
    ],
    ['GET /api/articles/feed (20 per page)', () => json('GET', '/articles/feed', undefined, reader)],
    [
      'GET /api/articles/:slug',
      (index) => json('GET', `/articles/${slugs[index % slugs.length]}`, undefined, reader),
    ],
    ['GET /api/tags', () => json('GET', '/tags')],
  ];
  for (const [name, run] of readScenarios) {
    results.push(await measure({ name, requests: 300, concurrency: 8, run }));
  }
  results.push(
    await measure({
      name: 'POST /api/articles/:slug/favorite (workflow)',
      requests: 100,
      concurrency: 4,
      run: (index) => json('POST', `/articles/${slugs[index % slugs.length]}/favorite`, undefined, reader),
    }),
  );
  results.push(
    await measure({
      name: 'POST /api/articles/:slug/comments (workflow)',
      requests: 100,
      concurrency: 4,
      run: (index) =>
        json(
          'POST',
          `/articles/${slugs[index % slugs.length]}/comments`,
          { comment: { body: `c${index}` } },
          reader,
        ),
    }),
  );
  console.table(results);
} finally {
  await runtime.stop();
}
