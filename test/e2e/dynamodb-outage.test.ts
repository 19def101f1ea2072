/**
 * DynamoDB Local killed under a running runtime with a data directory (what `npm start` runs): while
 * it is down every route answers a quick 503 with CORS, then it is restarted on its own and serves
 * the data written before the kill.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { type Runtime, startRuntime } from '../../local/runtime.ts';
import { serviceUnavailable } from '../../schemas/routes.ts';
import { apiClient, registerUser, uniqueName } from '../support/runtime.ts';

const home = mkdtempSync(join(tmpdir(), 'conduit-outage-'));
const dataDir = join(home, 'dynamodb');
const lines: string[] = [];
const fatal: string[] = [];
let runtime: Runtime | undefined;
const api = apiClient(() => runtime?.url ?? '');

beforeAll(async () => {
  runtime = await startRuntime({
    port: 0,
    dataDir,
    keyDir: join(home, 'keys'),
    log: (line) => lines.push(line),
    onFatal: (message) => fatal.push(message),
  });
}, 90_000);

afterAll(async () => {
  await runtime?.stop();
});

async function waitForLine(prefix: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!lines.some((line) => line.startsWith(prefix))) {
    if (Date.now() > deadline) throw new Error(`no log line "${prefix}…" in:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The JVM of this runtime's DynamoDB Local (its command line names the data directory). */
function javaPid(): number {
  const found = spawnSync('pgrep', ['-f', `^java .*DynamoDBLocal\\.jar.*${dataDir}`], { encoding: 'utf8' });
  const pids = found.stdout.trim().split('\n').filter(Boolean).map(Number);
  if (pids.length !== 1) throw new Error(`expected one DynamoDB Local JVM for ${dataDir}, found ${pids}`);
  return pids[0] as number;
}

// Generous timeouts: a JVM start takes 3 s on a quiet machine and over 20 s on a saturated one.
it('answers 503 at once while DynamoDB Local is down, restarts it and serves the data written before', async () => {
  const author = await registerUser(api, 'outage');
  const title = uniqueName('Written before the kill ');
  const created = await api.post(
    '/api/articles',
    { article: { title, description: 'd', body: 'b', tagList: ['outage'] } },
    author.token,
  );
  expect(created.status).toBe(201);
  const slug = created.body.article.slug as string;

  process.kill(javaPid(), 'SIGKILL');
  await waitForLine('DynamoDB Local exited (killed by SIGKILL): restarting it on port ', 5_000);

  const whileDown = [
    () => api.get(`/api/articles/${slug}`),
    () => api.get('/api/user', author.token),
    () => api.post('/api/articles', { article: { title: 'x', description: 'd', body: 'b' } }, author.token),
    () =>
      api.post('/api/users', { user: { username: 'u', email: 'u@example.com', password: 'password123' } }),
  ];
  for (const request of whileDown) {
    const started = performance.now();
    const response = await request();
    expect({
      status: response.status,
      body: response.body,
      cors: response.headers.get('access-control-allow-origin'),
      quick: performance.now() - started < 1_000,
    }).toEqual({ status: 503, body: serviceUnavailable.body, cors: '*', quick: true });
  }

  await waitForLine('DynamoDB Local is back on ', 60_000);
  const read = await api.get(`/api/articles/${slug}`);
  expect({ status: read.status, title: read.body.article?.title }).toEqual({ status: 200, title });
  const written = await api.post(
    '/api/articles',
    { article: { title: uniqueName('Written after the restart '), description: 'd', body: 'b' } },
    author.token,
  );
  expect(written.status).toBe(201);
  expect(fatal).toEqual([]);
}, 120_000);
