/**
 * Writes that meet a transaction in flight on the same item, as DynamoDB reports them (a
 * TransactionConflict cancellation reason, or TransactionConflictException on a single-item write;
 * DynamoDB Local never raises either, test/support/dynamodb-faults.ts injects them): retried after a
 * jittered backoff a bounded number of times, then answered 503 well before API Gateway gives up.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { articleKey, emailKey, partitionOf, slugKey, userKey } from '../../lambdas/shared/keys.ts';
import type { ArticleRecord, SlugRecord, UserRecord } from '../../lambdas/shared/records.ts';
import type { SyncExecutionResult } from '../../local/workflows.ts';
import { userIdOf } from '../support/articles.ts';
import { type Held, injectTransactionConflicts } from '../support/dynamodb-faults.ts';
import { registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';
import { type Json, requestInput } from '../support/workflows.ts';

const { runtime, db, api } = useTestRuntime();

/** API Gateway ends a StartSyncExecution integration at 29 s; a retryable answer must come well before. */
const API_GATEWAY_TIMEOUT_MS = 29_000;
/** The first attempt and three retries (state-machines/README.md). */
const ATTEMPTS = 4;
/** Retries wait at most 1, 2 and 4 s. */
const MAX_BACKOFF_MS = 7_000;

const BUSY = { errors: { request: ['conflicted with concurrent changes, retry shortly'] } };

async function newUser(prefix: string) {
  const user = await registerUser(api, prefix);
  return { ...user, id: await userIdOf(db(), runtime(), user.username) };
}

async function newArticle(token: string) {
  const created = await api.post(
    '/api/articles',
    { article: { title: uniqueName('Busy '), description: 'd', body: 'b', tagList: [] } },
    token,
  );
  expect(created.status).toBe(201);
  const slug = created.body.article.slug as string;
  const marker = await db().send(
    new GetCommand({ TableName: runtime().tableNames.Articles, Key: { pk: slugKey(slug) } }),
  );
  return { slug, id: (marker.Item as SlugRecord).articleId };
}

const storedArticle = async (id: string) =>
  (await db().send(new GetCommand({ TableName: runtime().tableNames.Articles, Key: { pk: articleKey(id) } })))
    .Item as ArticleRecord;

const storedUser = async (id: string) =>
  (await db().send(new GetCommand({ TableName: runtime().tableNames.Users, Key: { pk: userKey(id) } })))
    .Item as UserRecord;

const relations = async (pk: string) =>
  (
    await db().send(
      new QueryCommand({
        TableName: runtime().tableNames.Relations,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
      }),
    )
  ).Items ?? [];

/** Holds the items with these partition keys, in whichever operation writes them. */
const holding =
  (...pks: string[]): Held =>
  (key) =>
    pks.includes(key.pk ?? '');

const failure = (result: SyncExecutionResult) => ({
  status: result.status,
  error: result.error,
  cause: JSON.parse(result.cause ?? 'null'),
});

describe('a transaction cancelled for a conflict', () => {
  it('is saved on a later attempt once the item is free', async () => {
    const author = await newUser('cfa');
    const reader = await newUser('cfr');
    const article = await newArticle(author.token);
    const conflicts = injectTransactionConflicts(runtime(), holding(articleKey(article.id)), 2);
    try {
      const favorited = await api.post(`/api/articles/${article.slug}/favorite`, undefined, reader.token);
      expect(favorited.status).toBe(200);
      expect(favorited.body.article).toMatchObject({ favorited: true, favoritesCount: 1 });
      expect({ conflicts: conflicts.conflicts(), attempts: conflicts.attempts().length }).toEqual({
        conflicts: 2,
        attempts: 3,
      });
    } finally {
      conflicts.remove();
    }
    expect((await storedArticle(article.id)).favoritesCount).toBe(1);
  });

  it('answers 503 with a RealWorld body after a bounded number of attempts, well inside 29 s, writing nothing', async () => {
    const author = await newUser('cfa');
    const reader = await newUser('cfr');
    const article = await newArticle(author.token);
    const conflicts = injectTransactionConflicts(runtime(), holding(articleKey(article.id)));
    const started = Date.now();
    try {
      const favorited = await api.post(`/api/articles/${article.slug}/favorite`, undefined, reader.token);
      expect({ status: favorited.status, body: favorited.body }).toEqual({ status: 503, body: BUSY });
      expect(favorited.headers.get('access-control-allow-origin')).toBe('*');
    } finally {
      conflicts.remove();
    }
    expect(Date.now() - started).toBeLessThan(MAX_BACKOFF_MS + 3_000);
    expect(Date.now() - started).toBeLessThan(API_GATEWAY_TIMEOUT_MS / 2);
    expect(conflicts.attempts().length).toBe(ATTEMPTS);
    expect((await storedArticle(article.id)).favoritesCount).toBe(0);
    expect(await relations(partitionOf.favorites(article.id))).toEqual([]);
  });

  it('is retried at scattered times by concurrent requests, never in lockstep', async () => {
    const author = await newUser('cfa');
    const readers = await Promise.all(Array.from({ length: 6 }, () => newUser('cfr')));
    const article = await newArticle(author.token);
    const conflicts = injectTransactionConflicts(runtime(), holding(articleKey(article.id)));
    try {
      const responses = await Promise.all(
        readers.map((reader) => api.post(`/api/articles/${article.slug}/favorite`, undefined, reader.token)),
      );
      expect(responses.map((response) => response.status)).toEqual(readers.map(() => 503));
    } finally {
      conflicts.remove();
    }
    // Each reader's transaction writes favorites#<article>/<reader>: the wait before its first
    // retry is the time between its first two attempts.
    const waits = readers.map((reader) => {
      const times = conflicts
        .attempts()
        .filter((attempt) => attempt.keys.some((key) => key.sk === reader.id))
        .map((attempt) => attempt.at);
      expect(times).toHaveLength(ATTEMPTS);
      return (times[1] ?? 0) - (times[0] ?? 0);
    });
    // A fixed backoff waits the same for all six; full jitter draws each wait from 0–1 s.
    expect(Math.max(...waits) - Math.min(...waits)).toBeGreaterThan(100);
    expect(Math.max(...waits)).toBeLessThan(1_500);
  });
});

describe('every workflow that writes an item a concurrent transaction may hold', () => {
  it('gives up after a bounded number of jittered attempts with Unavailable, changing nothing', async () => {
    const author = await newUser('cfa');
    const reader = await newUser('cfr');
    const followed = await newUser('cff');
    const unfollowed = await newUser('cfu');
    const article = await newArticle(author.token);
    expect(
      (await api.post(`/api/profiles/${unfollowed.username}/follow`, undefined, reader.token)).status,
    ).toBe(200);
    const newcomer = uniqueName('cfn');
    const requests: [string, Json, string][] = [
      [
        'register-user',
        requestInput({
          body: { user: { username: newcomer, email: `${newcomer}@example.com`, password: 'password123' } },
        }),
        emailKey(`${newcomer}@example.com`),
      ],
      [
        'update-user',
        requestInput({ userId: author.id, body: { user: { bio: 'busy' } } }),
        userKey(author.id),
      ],
      [
        'follow-user',
        requestInput({ userId: reader.id, path: { username: followed.username } }),
        userKey(reader.id),
      ],
      [
        'unfollow-user',
        requestInput({ userId: reader.id, path: { username: unfollowed.username } }),
        userKey(reader.id),
      ],
      [
        'favorite-article',
        requestInput({ userId: reader.id, path: { slug: article.slug } }),
        articleKey(article.id),
      ],
      [
        'unfavorite-article',
        requestInput({ userId: reader.id, path: { slug: article.slug } }),
        articleKey(article.id),
      ],
      [
        'add-comment',
        requestInput({
          userId: reader.id,
          path: { slug: article.slug },
          body: { comment: { body: 'busy' } },
        }),
        articleKey(article.id),
      ],
      [
        'update-article',
        requestInput({
          userId: author.id,
          path: { slug: article.slug },
          body: { article: { body: 'busy' } },
        }),
        articleKey(article.id),
      ],
      [
        'delete-article',
        requestInput({ userId: author.id, path: { slug: article.slug } }),
        articleKey(article.id),
      ],
    ];
    const before = { article: await storedArticle(article.id), author: await storedUser(author.id) };
    const conflicts = injectTransactionConflicts(runtime(), holding(...requests.map(([, , held]) => held)));
    const started = Date.now();
    try {
      const results = await Promise.all(
        requests.map(([workflow, input]) => runtime().workflows.startSync(workflow, input)),
      );
      expect(results.map((result) => failure(result))).toEqual(
        requests.map(() => ({ status: 'FAILED', error: 'Unavailable', cause: BUSY })),
      );
    } finally {
      conflicts.remove();
    }
    expect(Date.now() - started).toBeLessThan(MAX_BACKOFF_MS + 3_000);
    expect(conflicts.attempts().length).toBe(requests.length * ATTEMPTS);
    expect(await storedArticle(article.id)).toEqual(before.article);
    expect(await storedUser(author.id)).toEqual(before.author);
    expect(await relations(partitionOf.following(reader.id))).toHaveLength(1);
    expect(await relations(partitionOf.comments(article.id))).toEqual([]);
  });
});

describe('create-article', () => {
  const title = () => uniqueName('Held ');
  /** Holds every new article item (the slug marker, the transaction's second item, stays free). */
  const holdingNewArticles =
    (existing: readonly string[]): Held =>
    (key, operation) =>
      operation === 'TransactWriteItems' &&
      /^article#/.test(key.pk ?? '') &&
      !existing.includes(key.pk ?? '');

  it('saves the article once a transaction holding its item is done', async () => {
    const author = await newUser('cfc');
    const conflicts = injectTransactionConflicts(runtime(), holdingNewArticles([]), 2);
    try {
      const created = await api.post(
        '/api/articles',
        { article: { title: title(), description: 'd', body: 'b', tagList: [] } },
        author.token,
      );
      expect(created.status).toBe(201);
      expect(conflicts.conflicts()).toBe(2);
    } finally {
      conflicts.remove();
    }
  });

  it('answers 503 after a bounded number of attempts when the item stays held, saving nothing', async () => {
    const author = await newUser('cfc');
    const conflicts = injectTransactionConflicts(runtime(), holdingNewArticles([]));
    const articleTitle = title();
    try {
      const created = await api.post(
        '/api/articles',
        { article: { title: articleTitle, description: 'd', body: 'b', tagList: [] } },
        author.token,
      );
      expect({ status: created.status, body: created.body }).toEqual({ status: 503, body: BUSY });
    } finally {
      conflicts.remove();
    }
    expect(conflicts.attempts().length).toBe(ATTEMPTS);
    const listed = await api.get(`/api/articles?author=${author.username}`);
    expect(listed.body.articlesCount).toBe(0);
  });
});

describe('add-comment', () => {
  const addComment = (userId: string, slug: string) =>
    runtime().workflows.startSync(
      'add-comment',
      requestInput({ userId, path: { slug }, body: { comment: { body: 'while busy' } } }),
    );

  it('takes its comment id once a transaction holding the article is done (TransactionConflictException)', async () => {
    const author = await newUser('cfa');
    const article = await newArticle(author.token);
    const conflicts = injectTransactionConflicts(
      runtime(),
      (key, operation) => operation === 'UpdateItem' && key.pk === articleKey(article.id),
      2,
    );
    let result: SyncExecutionResult;
    try {
      result = await addComment(author.id, article.slug);
    } finally {
      conflicts.remove();
    }
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? '').comment.id).toBe(1);
    expect(conflicts.conflicts()).toBe(2);
    expect((await storedArticle(article.id)).commentSeq).toBe(1);
  });

  it('saves the comment once a transaction holding the article is done (TransactionConflict reason)', async () => {
    const author = await newUser('cfa');
    const article = await newArticle(author.token);
    const conflicts = injectTransactionConflicts(
      runtime(),
      (key, operation) => operation === 'TransactWriteItems' && key.pk === articleKey(article.id),
      2,
    );
    let result: SyncExecutionResult;
    try {
      result = await addComment(author.id, article.slug);
    } finally {
      conflicts.remove();
    }
    expect(result.status).toBe('SUCCEEDED');
    expect(conflicts.conflicts()).toBe(2);
    expect(await relations(partitionOf.comments(article.id))).toHaveLength(1);
  });
});
