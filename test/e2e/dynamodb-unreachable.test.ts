/**
 * An external DynamoDB (the endpoint the tests share) that becomes unreachable: the runtime only
 * observes it. Requests in flight get 503 or ride out a short outage on the workflows' Retry
 * clauses, later ones get 503 at once, and it serves again as soon as DynamoDB answers. The outage is
 * a TCP proxy in front of the shared DynamoDB Local that stops listening and drops its connections.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '../../local/dynamodb-local.ts';
import { type Runtime, startRuntime } from '../../local/runtime.ts';
import { serviceUnavailable } from '../../schemas/routes.ts';
import { type ApiResponse, apiClient, registerUser, uniqueName } from '../support/runtime.ts';

class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly target: URL,
    readonly port: number,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', resolve);
    });
    this.server = server;
  }

  /** Refuses new connections and breaks the open ones, as a dead DynamoDB does. */
  cut(): void {
    this.server?.close();
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
  }
}

const lines: string[] = [];
let proxy: CuttableProxy;
let runtime: Runtime | undefined;
const api = apiClient(() => runtime?.url ?? '');

beforeAll(async () => {
  const shared = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!shared) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run the tests with `npm test`');
  proxy = new CuttableProxy(new URL(shared), await freePort());
  await proxy.open();
  runtime = await startRuntime({
    port: 0,
    dynamoDbEndpoint: proxy.endpoint,
    tablePrefix: `t${randomUUID().slice(0, 8)}-`,
    keyDir: join(mkdtempSync(join(tmpdir(), 'conduit-test-')), 'keys'),
    log: (line) => lines.push(line),
    onFatal: (message) => lines.push(`fatal: ${message}`),
  });
}, 60_000);

afterAll(async () => {
  await proxy.open();
  await runtime?.stop();
  proxy.cut();
});

async function waitForLine(prefix: string, after: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!lines.slice(after).some((line) => line.startsWith(prefix))) {
    if (Date.now() > deadline) throw new Error(`no log line "${prefix}…" in:\n${lines.join('\n')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function timed(request: () => Promise<ApiResponse>) {
  const started = performance.now();
  const response = await request();
  return {
    status: response.status,
    body: response.body,
    cors: response.headers.get('access-control-allow-origin'),
    quick: performance.now() - started < 1_000,
  };
}

const unavailable = { status: 503, body: serviceUnavailable.body, cors: '*', quick: true };
const unreachable = () => `DynamoDB ${proxy.endpoint} does not answer`;
const reachable = () => `DynamoDB ${proxy.endpoint} answers again after `;

describe('while DynamoDB is unreachable', () => {
  it('a read in flight gets 503, the next requests get 503 at once, and it serves again when DynamoDB answers', async () => {
    const reader = await registerUser(api, 'reader');
    const mark = lines.length;

    proxy.cut();
    expect(await timed(() => api.get('/api/user', reader.token))).toEqual(unavailable);
    await waitForLine(unreachable(), mark);
    expect(await timed(() => api.get('/api/articles'))).toEqual(unavailable);
    expect(await timed(() => api.post('/api/users', { user: { username: 'x' } }))).toEqual(unavailable);

    await proxy.open();
    await waitForLine(reachable(), mark);
    expect((await api.get('/api/user', reader.token)).status).toBe(200);
  }, 30_000);

  it('a write in flight rides out a short outage on its Retry clauses', async () => {
    const username = uniqueName('patient');
    const mark = lines.length;

    proxy.cut();
    const registering = api.post('/api/users', {
      user: { username, email: `${username}@example.com`, password: 'password123' },
    });
    await waitForLine(unreachable(), mark);
    expect(await timed(() => api.get(`/api/profiles/${username}`))).toEqual(unavailable);
    await proxy.open();

    const registered = await registering;
    expect({ status: registered.status, username: registered.body.user?.username }).toEqual({
      status: 201,
      username,
    });
    expect((await api.get(`/api/profiles/${username}`)).status).toBe(200);
    expect(lines.slice(mark).filter((line) => line.startsWith('workflow '))).toEqual([]);
  }, 30_000);

  it('a write whose transaction committed is answered with success even if waiting for its events fails', async () => {
    const username = uniqueName('committed');
    // DynamoDB goes away right after the registration's transaction committed, before its events settle.
    runtime?.dynamoDb.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'TransactWriteItemsCommand') proxy.cut();
        return result;
      },
      { step: 'initialize', name: 'cutAfterCommit' },
    );
    try {
      const reopen = setTimeout(() => void proxy.open(), 2_000);
      const registered = await api.post('/api/users', {
        user: { username, email: `${username}@example.com`, password: 'password123' },
      });
      clearTimeout(reopen);
      expect(registered.status).toBe(201);
    } finally {
      runtime?.dynamoDb.middlewareStack.remove('cutAfterCommit');
    }
    await proxy.open();
    expect((await api.get(`/api/profiles/${username}`)).status).toBe(200);
  }, 30_000);
});
