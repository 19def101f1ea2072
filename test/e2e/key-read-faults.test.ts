/**
 * The JWT key read failing at a cold start, over real HTTP: the Lambdas read the key pair from the
 * runtime's Secrets Manager (local/secrets-manager.ts) as they do in AWS, and it times out or
 * throttles past the SDK's retries. The authorizer answers 503 (never a 401 that logs users out),
 * login a 503 JSON, each logged once; the failure is not kept, so once Secrets Manager answers again
 * the next requests succeed. Its own file, and no request before the first test reads the key: the
 * key is read once per module instance, and a successful read is kept.
 */
import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import bcrypt from 'bcryptjs';
import { emailKey, userKey, usernameKey } from '../../lambdas/shared/keys.ts';
import type { UserRecord } from '../../lambdas/shared/records.ts';
import { parseFaultSpec } from '../../local/faults.ts';
import { cors, gatewayResponses, serviceUnavailable } from '../../schemas/routes.ts';
import { captureLambdaLogs, errorLines } from '../support/lambda-logs.ts';
import { uniqueName, useTestRuntime } from '../support/runtime.ts';

const { runtime, db } = useTestRuntime();

/** Well formed, signed by no one: only a key read tells it is invalid. */
const SOME_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl';

/**
 * A user written straight to the table: registering would sign a token, and so read the key
 * before the tests make that read fail.
 */
async function seedUser() {
  const username = uniqueName('keyread');
  const credentials = { email: `${username}@example.com`, password: 'password123' };
  const id = randomUUID();
  const now = new Date().toISOString();
  const user: UserRecord = {
    pk: userKey(id),
    id,
    username,
    email: credentials.email,
    passwordHash: bcrypt.hashSync(credentials.password, 4),
    bio: null,
    image: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  const table = runtime().tableNames.Users;
  await db().send(new PutCommand({ TableName: table, Item: user }));
  await db().send(new PutCommand({ TableName: table, Item: { pk: emailKey(user.email), userId: id } }));
  await db().send(new PutCommand({ TableName: table, Item: { pk: usernameKey(username), userId: id } }));
  return { username, credentials };
}

async function send(method: string, path: string, options: { token?: string; body?: unknown } = {}) {
  const { result, logs } = await captureLambdaLogs(async () => {
    const response = await fetch(`${runtime().url}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(options.token ? { Authorization: `Token ${options.token}` } : {}),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      cors: response.headers.get('access-control-allow-origin'),
    };
  });
  return { ...result, errors: errorLines(logs) };
}

/** The one ERROR line a function logs for a failed key read, with its Lambda request id. */
const loggedOnce = (functionName: string, error: string) => [
  expect.objectContaining({
    function_name: functionName,
    function_request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    error: expect.objectContaining({ name: error }),
  }),
];

const AUTHORIZER_FAILED = {
  status: gatewayResponses.AUTHORIZER_CONFIGURATION_ERROR.statusCode,
  body: gatewayResponses.AUTHORIZER_CONFIGURATION_ERROR.body,
  cors: cors.allowOrigin,
};

describe('a key read that fails at a cold start', () => {
  it('times out within a few seconds when Secrets Manager never answers: the authorizer answers 503', async () => {
    runtime().faults.set(parseFaultSpec('secretsmanager:timeout'));
    const started = performance.now();
    const answer = await send('GET', '/api/user', { token: SOME_TOKEN });
    expect({ ...answer, bounded: performance.now() - started < 8_000 }).toEqual({
      ...AUTHORIZER_FAILED,
      errors: loggedOnce('authorizer', 'TimeoutError'),
      bounded: true,
    });
  }, 20_000);

  it('throttled past the SDK retries: the authorizer answers 503, never 401, and login a 503 JSON', async () => {
    const { username, credentials } = await seedUser();
    runtime().faults.set(parseFaultSpec('secretsmanager:ThrottlingException'));
    for (const path of ['/api/user', '/api/articles', `/api/profiles/${username}`]) {
      const answer = await send('GET', path, { token: SOME_TOKEN });
      expect({ path, ...answer }).toEqual({
        path,
        ...AUTHORIZER_FAILED,
        errors: loggedOnce('authorizer', 'ThrottlingException'),
      });
    }
    const login = await send('POST', '/api/users/login', { body: { user: credentials } });
    expect(login).toEqual({
      status: serviceUnavailable.statusCode,
      body: serviceUnavailable.body,
      cors: cors.allowOrigin,
      errors: loggedOnce('login', 'ThrottlingException'),
    });
    // Every read met the fault on each of the SDK's three attempts.
    const throttled = runtime()
      .faults.injected()
      .recent.filter((fault) => fault.error === 'ThrottlingException');
    expect(throttled.length).toBe(4 * 3);

    runtime().faults.clear();
    const retried = await send('POST', '/api/users/login', { body: { user: credentials } });
    expect({ status: retried.status, errors: retried.errors }).toEqual({ status: 200, errors: [] });
    const token = (retried.body.user as { token: string }).token;
    const current = await send('GET', '/api/user', { token });
    expect({
      status: current.status,
      username: (current.body.user as { username: string }).username,
    }).toEqual({
      status: 200,
      username,
    });
    expect((await send('GET', '/api/user', { token: SOME_TOKEN })).status).toBe(401);
  }, 30_000);
});
