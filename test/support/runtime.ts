/**
 * A local runtime per test file: its own tables (unique prefix) in the shared DynamoDB Local,
 * its own key pair, and the real gateway on a free port.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from '@jest/globals';
import { localAwsConfig } from '../../local/dynamodb-local.ts';
import { type Runtime, startRuntime } from '../../local/runtime.ts';
import { openApiDocument } from '../../schemas/openapi.ts';
import { responseChecker } from './openapi.ts';

export interface TestRuntime extends Runtime {
  /** Lines the runtime logged (request log, workflow failures). */
  readonly logLines: string[];
  /** Where its JWT key pair is (local/keys.ts), to sign tokens of its own. */
  readonly keyDir: string;
}

/**
 * The key pair of the test file's runtimes: a process serves one configuration (a runtime started
 * again, as after a restart, must have the same; local/handler-environment.ts).
 */
const keyDir = join(mkdtempSync(join(tmpdir(), 'conduit-test-')), 'keys');

/**
 * Starts a runtime on fresh tables; pass `tablePrefix` (and `eventsDir`) of an earlier one to
 * start again on its data, as after a restart.
 */
export async function startTestRuntime(
  options: { asyncEvents?: boolean; tablePrefix?: string; eventsDir?: string } = {},
): Promise<TestRuntime> {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run the tests with `npm test`');
  const logLines: string[] = [];
  const runtime = await startRuntime({
    port: 0,
    dynamoDbEndpoint: endpoint,
    tablePrefix: options.tablePrefix ?? `t${randomUUID().slice(0, 8)}-`,
    keyDir,
    asyncEvents: options.asyncEvents,
    eventsDir: options.eventsDir,
    log: (line) => logLines.push(line),
  });
  return Object.assign(runtime, { logLines, keyDir });
}

// biome-ignore lint/suspicious/noExplicitAny: tests read response JSON of every shape
export interface ApiResponse<Body = any> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Body;
}

let checkDocumented: ReturnType<typeof responseChecker> | undefined;

/**
 * A small client for the API of a runtime: JSON in, JSON out, `Authorization: Token …` (`raw` sends
 * other headers too). Every response of a documented route must match the OpenAPI document (it throws
 * otherwise).
 */
export function apiClient(baseUrl: string | (() => string)) {
  const base = typeof baseUrl === 'string' ? () => baseUrl : baseUrl;
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<ApiResponse> => {
    const response = await fetch(`${base()}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(token ? { Authorization: `Token ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed = text ? JSON.parse(text) : undefined;
    checkDocumented ??= responseChecker(openApiDocument(`${base()}/api`));
    checkDocumented(method, path, response.status, parsed);
    return { status: response.status, headers: response.headers, body: parsed };
  };
  return {
    get: (path: string, token?: string) => call('GET', path, undefined, token),
    post: (path: string, body?: unknown, token?: string) => call('POST', path, body, token),
    put: (path: string, body?: unknown, token?: string) => call('PUT', path, body, token),
    delete: (path: string, token?: string) => call('DELETE', path, undefined, token),
    raw: call,
  };
}

export type ApiClient = ReturnType<typeof apiClient>;

/** A document client on a runtime's DynamoDB; destroy it when done. */
export const tableClient = (runtime: Runtime): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ ...localAwsConfig, endpoint: runtime.dynamoDbEndpoint }));

/**
 * The runtime of a test file (or describe block): started before its tests, stopped after them,
 * with an API client and a document client on its tables. Use them inside tests and hooks.
 */
export function useTestRuntime(options: { asyncEvents?: boolean } = {}) {
  let started: { runtime: TestRuntime; db: DynamoDBDocumentClient } | undefined;
  beforeAll(async () => {
    const runtime = await startTestRuntime(options);
    started = { runtime, db: tableClient(runtime) };
  });
  afterAll(async () => {
    started?.db.destroy();
    await started?.runtime.stop();
  });
  const current = () => {
    if (!started) throw new Error('the test runtime is not started yet (use it inside a test or hook)');
    return started;
  };
  const runtime = (): TestRuntime => current().runtime;
  return { runtime, db: () => current().db, api: apiClient(() => runtime().url) };
}

let counter = 0;
/** A unique name for this run, so tests never collide with each other. */
export const uniqueName = (prefix: string): string =>
  `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

/** Registers a user and returns its token and credentials. */
export async function registerUser(api: ApiClient, prefix = 'user') {
  const username = uniqueName(prefix);
  const user = { username, email: `${username}@example.com`, password: 'password123' };
  const response = await api.post('/api/users', { user });
  if (response.status !== 201)
    throw new Error(`register failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { ...user, token: response.body.user.token as string };
}
