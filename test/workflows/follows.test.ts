/**
 * follow-user and unfollow-user: the real ASL files on aws-local-stepfunctions against DynamoDB
 * Local, every branch, checked against what is stored.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { followersKey, followingKey, userKey } from '../../lambdas/shared/keys.ts';
import { FEED_FROM_EVERY_ARTICLE } from '../../lambdas/shared/records.ts';
import { articleRecord } from '../support/articles.ts';
import { uniqueName, useTestRuntime } from '../support/runtime.ts';
import { registerThroughWorkflow, requestInput } from '../support/workflows.ts';

const { runtime, db } = useTestRuntime();

const registered = () => registerThroughWorkflow(runtime(), db(), 'fw');

const run = (workflow: 'follow-user' | 'unfollow-user', callerId: string, username: string) =>
  runtime().workflows.startSync(workflow, requestInput({ userId: callerId, path: { username } }));

const relation = async (key: { pk: string; sk: string }) =>
  (await db().send(new GetCommand({ TableName: runtime().tableNames.Relations, Key: key }))).Item;

const profileOutput = (username: string, following: boolean) => ({
  profile: { username, bio: null, image: null, following },
});

describe('follow-user', () => {
  it('writes following# and its followers# mirror and answers with the followed profile', async () => {
    const [me, them] = [await registered(), await registered()];
    const result = await run('follow-user', me.id, them.username);
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? '')).toEqual(profileOutput(them.username, true));
    const following = await relation(followingKey(me.id, them.id));
    expect(following).toEqual({
      ...followingKey(me.id, them.id),
      followerId: me.id,
      followeeId: them.id,
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      // They have written nothing yet: the feed takes every article they will write.
      feedFrom: FEED_FROM_EVERY_ARTICLE,
    });
    expect(await relation(followersKey(them.id, me.id))).toEqual({
      ...followersKey(them.id, me.id),
      followerId: me.id,
      followeeId: them.id,
      createdAt: following?.createdAt,
    });
  });

  it("starts the reader's feed of the author at the author's 20th newest article", async () => {
    const [me, them] = [await registered(), await registered()];
    const createdAt = Array.from({ length: 23 }, (_, n) =>
      new Date(Date.UTC(2024, 0, 1, 0, n)).toISOString(),
    );
    for (const time of createdAt) {
      await db().send(
        new PutCommand({
          TableName: runtime().tableNames.Articles,
          Item: articleRecord(them.id, { createdAt: time }),
        }),
      );
    }
    expect((await run('follow-user', me.id, them.username)).status).toBe('SUCCEEDED');
    expect((await relation(followingKey(me.id, them.id)))?.feedFrom).toBe(createdAt[3]);
  });

  it('presents the stored bio and image', async () => {
    const [me, them] = [await registered(), await registered()];
    await db().send(
      new UpdateCommand({
        TableName: runtime().tableNames.Users,
        Key: { pk: userKey(them.id) },
        UpdateExpression: 'SET bio = :bio, image = :image',
        ExpressionAttributeValues: { ':bio': 'I write', ':image': 'https://img/x.png' },
      }),
    );
    const result = await run('follow-user', me.id, them.username);
    expect(JSON.parse(result.output ?? '').profile).toEqual({
      username: them.username,
      bio: 'I write',
      image: 'https://img/x.png',
      following: true,
    });
  });

  it('is harmless when repeated: same answer, the first follow is kept unchanged', async () => {
    const [me, them] = [await registered(), await registered()];
    await run('follow-user', me.id, them.username);
    const first = await relation(followingKey(me.id, them.id));
    const again = await run('follow-user', me.id, them.username);
    expect(again.status).toBe('SUCCEEDED');
    expect(JSON.parse(again.output ?? '')).toEqual(profileOutput(them.username, true));
    expect(await relation(followingKey(me.id, them.id))).toEqual(first);
  });

  it('lets concurrent follows of the same user all succeed with one pair of items', async () => {
    const [me, them] = [await registered(), await registered()];
    const results = await Promise.all(
      Array.from({ length: 5 }, () => run('follow-user', me.id, them.username)),
    );
    expect(results.map((result) => result.status)).toEqual(Array(5).fill('SUCCEEDED'));
    expect(await relation(followingKey(me.id, them.id))).toBeDefined();
    expect(await relation(followersKey(them.id, me.id))).toBeDefined();
  });

  it('fails with NotFound for an unknown username', async () => {
    const me = await registered();
    const result = await run('follow-user', me.id, uniqueName('nobody'));
    expect(result).toMatchObject({ status: 'FAILED', error: 'NotFound' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { profile: ['not found'] } });
  });

  it('fails with Validation for following yourself and writes nothing', async () => {
    const me = await registered();
    const result = await run('follow-user', me.id, me.username);
    expect(result).toMatchObject({ status: 'FAILED', error: 'Validation' });
    expect(JSON.parse(result.cause ?? '')).toEqual({
      errors: { profile: ['cannot be followed by yourself'] },
    });
    expect(await relation(followingKey(me.id, me.id))).toBeUndefined();
  });

  it('fails with Unauthorized for a caller who is not a user and writes nothing', async () => {
    const them = await registered();
    const ghost = randomUUID();
    const result = await run('follow-user', ghost, them.username);
    expect(result).toMatchObject({ status: 'FAILED', error: 'Unauthorized' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { token: ['is invalid'] } });
    expect(await relation(followingKey(ghost, them.id))).toBeUndefined();
    expect(await relation(followersKey(them.id, ghost))).toBeUndefined();
  });
});

describe('unfollow-user', () => {
  it('deletes both items and answers following: false; repeating it is harmless', async () => {
    const [me, them] = [await registered(), await registered()];
    await run('follow-user', me.id, them.username);
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await run('unfollow-user', me.id, them.username);
      expect(result.status).toBe('SUCCEEDED');
      expect(JSON.parse(result.output ?? '')).toEqual(profileOutput(them.username, false));
      expect(await relation(followingKey(me.id, them.id))).toBeUndefined();
      expect(await relation(followersKey(them.id, me.id))).toBeUndefined();
    }
  });

  it('leaves other follows alone', async () => {
    const [me, them, other] = [await registered(), await registered(), await registered()];
    await run('follow-user', me.id, them.username);
    await run('follow-user', other.id, them.username);
    await run('unfollow-user', me.id, them.username);
    expect(await relation(followingKey(other.id, them.id))).toBeDefined();
    expect(await relation(followersKey(them.id, other.id))).toBeDefined();
  });

  it('answers following: false for yourself, since there is nothing to undo', async () => {
    const me = await registered();
    const result = await run('unfollow-user', me.id, me.username);
    expect(JSON.parse(result.output ?? '')).toEqual(profileOutput(me.username, false));
  });

  it('fails with NotFound for an unknown username', async () => {
    const me = await registered();
    const result = await run('unfollow-user', me.id, uniqueName('nobody'));
    expect(result).toMatchObject({ status: 'FAILED', error: 'NotFound' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { profile: ['not found'] } });
  });

  it('fails with Unauthorized for a caller who is not a user', async () => {
    const them = await registered();
    const result = await run('unfollow-user', randomUUID(), them.username);
    expect(result).toMatchObject({ status: 'FAILED', error: 'Unauthorized' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { token: ['is invalid'] } });
  });
});
