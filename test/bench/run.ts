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
  console.table(results);
} finally {
  await runtime.stop();
}
