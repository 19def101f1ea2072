/**
 * register-user and update-user: the real ASL files on aws-local-stepfunctions against DynamoDB
 * Local, every branch, checked against what is stored.
 */

import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { emailKey, userKey, usernameKey } from '../../lambdas/shared/keys.ts';
import { uniqueName, useTestRuntime } from '../support/runtime.ts';
import { registerThroughWorkflow, requestInput } from '../support/workflows.ts';

const { runtime, db } = useTestRuntime();

const getUserItem = async (pk: string) =>
  (await db().send(new GetCommand({ TableName: runtime().tableNames.Users, Key: { pk } }))).Item;

const register = (user: Record<string, string | null>) =>
  runtime().workflows.startSync('register-user', requestInput({ body: { user } }));

const update = (userId: string, user: Record<string, string | null>) =>
  runtime().workflows.startSync('update-user', requestInput({ userId, body: { user } }));

const registered = () => registerThroughWorkflow(runtime(), db());

describe('register-user', () => {
  it('writes the user and both markers, and answers 201 with a token', async () => {
    const username = uniqueName('wf');
    const result = await register({ username, email: `${username}@Example.COM`, password: 'password123' });
    expect(result.status).toBe('SUCCEEDED');
    const output = JSON.parse(result.output ?? '{}');
    expect(output).toEqual({
      user: {
        username,
        email: `${username}@Example.COM`,
        bio: null,
        image: null,
        token: expect.any(String),
      },
    });
    const usernameMarker = await getUserItem(usernameKey(username));
    const emailMarker = await getUserItem(emailKey(`${username}@example.com`));
    expect(emailMarker?.userId).toBe(usernameMarker?.userId);
    const user = await getUserItem(userKey(usernameMarker?.userId));
    expect(user).toMatchObject({ username, bio: null, image: null, version: 1 });
    expect(user?.passwordHash).toMatch(/^\$2[aby]\$/);
    expect(JSON.stringify(result)).not.toContain('password123');
  });

  it('fails with Validation and writes nothing for an invalid body', async () => {
    const username = uniqueName('bad');
    const result = await register({ username, email: 'not-an-email', password: 'short' });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Validation' });
    expect(JSON.parse(result.cause ?? '')).toEqual({
      errors: { email: ['is invalid'], password: ['is too short (minimum is 8 characters)'] },
    });
    expect(await getUserItem(usernameKey(username))).toBeUndefined();
  });

  it('fails with Conflict on the email marker and leaves no user behind', async () => {
    const existing = await registered();
    const username = uniqueName('dup');
    const result = await register({ username, email: existing.email.toUpperCase(), password: 'password123' });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Conflict' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { email: ['has already been taken'] } });
    expect(await getUserItem(usernameKey(username))).toBeUndefined();
  });

  it('fails with Conflict on the username marker and leaves no email marker behind', async () => {
    const existing = await registered();
    const email = `${uniqueName('dup')}@example.com`;
    const result = await register({ username: existing.username, email, password: 'password123' });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Conflict' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { username: ['has already been taken'] } });
    expect(await getUserItem(emailKey(email))).toBeUndefined();
  });

  it('lets exactly one of ten concurrent registrations of one username win', async () => {
    const username = uniqueName('race');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        register({ username, email: `${username}-${index}@example.com`, password: 'password123' }),
      ),
    );
    expect(results.filter((result) => result.status === 'SUCCEEDED')).toHaveLength(1);
    const losers = results.filter((result) => result.status === 'FAILED');
    expect(losers).toHaveLength(9);
    for (const loser of losers) expect(loser.error).toBe('Conflict');
    const winnerEmail = JSON.parse(results.find((result) => result.status === 'SUCCEEDED')?.output ?? '{}')
      .user.email;
    const marker = await getUserItem(usernameKey(username));
    expect((await getUserItem(emailKey(winnerEmail)))?.userId).toBe(marker?.userId);
  });
});

describe('update-user', () => {
  it('swaps the email and username markers in one transaction', async () => {
    const user = await registered();
    const username = uniqueName('new');
    const result = await update(user.id, { username, email: `${username}@example.com`, bio: 'hello' });
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? '{}').user).toMatchObject({
      username,
      bio: 'hello',
      image: null,
    });
    expect(await getUserItem(usernameKey(user.username))).toBeUndefined();
    expect(await getUserItem(emailKey(user.email))).toBeUndefined();
    expect((await getUserItem(usernameKey(username)))?.userId).toBe(user.id);
    expect((await getUserItem(emailKey(`${username}@example.com`)))?.userId).toBe(user.id);
    expect(await getUserItem(userKey(user.id))).toMatchObject({ username, version: 2 });
  });

  it('fails with Unauthorized when the user of the token no longer exists', async () => {
    const result = await update('no-such-user', { bio: 'x' });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Unauthorized' });
  });

  it('fails with Validation for a null email and changes nothing', async () => {
    const user = await registered();
    const result = await update(user.id, { email: null, bio: 'changed' });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Validation' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { email: ["can't be blank"] } });
    expect(await getUserItem(userKey(user.id))).toMatchObject({ bio: null, version: 1 });
  });

  it('fails with Conflict for a taken username and keeps the old markers', async () => {
    const user = await registered();
    const other = await registered();
    const result = await update(user.id, { username: other.username, bio: 'changed' });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Conflict' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { username: ['has already been taken'] } });
    expect((await getUserItem(usernameKey(user.username)))?.userId).toBe(user.id);
    expect(await getUserItem(userKey(user.id))).toMatchObject({ bio: null, version: 1 });
  });

  it('fails with Conflict when the record changed after it was read', async () => {
    const user = await registered();
    const stored = await getUserItem(userKey(user.id));
    // Concurrent updates all read version 1; the transaction is conditional on it, so one wins.
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, index) => update(user.id, { bio: `writer ${index}` })),
    );
    const succeeded = results.filter((result) => result.status === 'SUCCEEDED').length;
    const conflicts = results.filter((result) => result.error === 'Conflict');
    expect(succeeded + conflicts.length).toBe(6);
    expect(succeeded).toBeGreaterThanOrEqual(1);
    expect(conflicts.length).toBeGreaterThan(0);
    for (const conflict of conflicts) {
      expect(JSON.parse(conflict.cause ?? '')).toEqual({
        errors: { user: ['was changed by another request'] },
      });
    }
    const final = await getUserItem(userKey(user.id));
    expect(final?.version).toBe(Number(stored?.version) + succeeded);
  });

  it('answers a marker that points at someone else with a failure, not a half-written update', async () => {
    const user = await registered();
    // Corrupt the email marker so the ConditionCheck of the unchanged email fails.
    await db().send(
      new PutCommand({
        TableName: runtime().tableNames.Users,
        Item: { pk: emailKey(user.email), userId: 'x' },
      }),
    );
    const result = await update(user.id, { bio: 'changed' });
    expect(result.status).toBe('FAILED');
    expect(await getUserItem(userKey(user.id))).toMatchObject({ bio: null, version: 1 });
  });
});
