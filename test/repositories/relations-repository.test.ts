/**
 * RelationsRepository against DynamoDB Local: batched sets across the 100-key BatchGetItem limit,
 * comment pages, and pages of a user's favorites from the byFavoritingUser index.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  commentKey,
  favoritedKey,
  favoriteKey,
  favoriteOrder,
  followingKey,
} from '../../lambdas/shared/keys.ts';
import type { CommentRecord } from '../../lambdas/shared/records.ts';
import { RelationsRepository } from '../../lambdas/shared/relations-repository.ts';
import { newestFirst as newestFirstOrder } from '../../lambdas/shared/search/article-search.ts';
import { startTestRuntime, type TestRuntime, tableClient } from '../support/runtime.ts';

let runtime: TestRuntime;
let db: DynamoDBDocumentClient;
let relations: RelationsRepository;

beforeAll(async () => {
  runtime = await startTestRuntime();
  db = tableClient(runtime);
  relations = new RelationsRepository(db, runtime.tableNames.Relations);
});
afterAll(async () => {
  db.destroy();
  await runtime.stop();
});

async function putAll(items: Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < items.length; start += 25) {
    const batch = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    await db.send(new BatchWriteCommand({ RequestItems: { [runtime.tableNames.Relations]: batch } }));
  }
}

const ids = (count: number) => Array.from({ length: count }, () => randomUUID());

describe('followingSet', () => {
  it('finds exactly the followed ids among 250 (three batches), ignoring duplicates', async () => {
    const me = randomUUID();
    const candidates = ids(250);
    const followed = candidates.filter((_, index) => index % 3 === 0);
    await putAll(followed.map((id) => ({ ...followingKey(me, id), followerId: me, followeeId: id })));
    const found = await relations.followingSet(me, [...candidates, ...candidates.slice(0, 10)]);
    expect([...found].sort()).toEqual([...followed].sort());
  });

  it('is empty for an anonymous reader and for no ids', async () => {
    expect(await relations.followingSet(undefined, ids(3))).toEqual(new Set());
    expect(await relations.followingSet(randomUUID(), [])).toEqual(new Set());
  });
});

describe('favoritedSet', () => {
  it('finds exactly the favorited article ids among 150, and only for that user', async () => {
    const [me, other] = [randomUUID(), randomUUID()];
    const articles = ids(150);
    const favorited = articles.slice(95, 110);
    await putAll([
      ...favorited.map((articleId) => ({ ...favoriteKey(articleId, me), articleId, userId: me })),
      ...articles
        .slice(0, 5)
        .map((articleId) => ({ ...favoriteKey(articleId, other), articleId, userId: other })),
    ]);
    expect([...(await relations.favoritedSet(me, articles))].sort()).toEqual([...favorited].sort());
    expect(await relations.favoritedSet(undefined, articles)).toEqual(new Set());
  });
});

describe('listComments', () => {
  it('lists an article’s comments newest first, and only that article’s', async () => {
    const [articleId, otherArticleId, authorId] = [randomUUID(), randomUUID(), randomUUID()];
    const comment = (article: string, id: number): CommentRecord => ({
      ...commentKey(article, id),
      id,
      articleId: article,
      body: `comment ${id}`,
      authorId,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    });
    // 2, 9 and 10 sort numerically only because the sort key is padded.
    await putAll([
      ...[2, 9, 10].map((id) => ({ ...comment(articleId, id) })),
      { ...comment(otherArticleId, 1) },
    ]);
    const ids = (page: { comments: CommentRecord[]; more: boolean }) => ({
      ids: page.comments.map((c) => c.id),
      more: page.more,
    });
    expect(ids(await relations.listComments(articleId))).toEqual({ ids: [10, 9, 2], more: false });
    expect(ids(await relations.listComments(randomUUID()))).toEqual({ ids: [], more: false });
  });

  it('pages below a comment id, reading one more to tell whether more follow', async () => {
    const [articleId, authorId] = [randomUUID(), randomUUID()];
    await putAll(
      [1, 2, 3, 4, 5].map((id) => ({
        ...commentKey(articleId, id),
        id,
        articleId,
        body: `comment ${id}`,
        authorId,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      })),
    );
    const ids = async (page: { limit: number; before?: number }) => {
      const { comments, more } = await relations.listComments(articleId, page);
      return { ids: comments.map((c) => c.id), more };
    };
    expect(await ids({ limit: 2 })).toEqual({ ids: [5, 4], more: true });
    expect(await ids({ limit: 2, before: 4 })).toEqual({ ids: [3, 2], more: true });
    expect(await ids({ limit: 2, before: 2 })).toEqual({ ids: [1], more: false });
    expect(await ids({ limit: 3, before: 4 })).toEqual({ ids: [3, 2, 1], more: false });
    expect(await ids({ limit: 2, before: 1 })).toEqual({ ids: [], more: false });
  });
});

describe('favoritedPage', () => {
  it('pages the byFavoritingUser index newest article first (ties by id), at offsets and after positions', async () => {
    const me = randomUUID();
    const minute = (n: number) => `2026-01-01T00:${String(n).padStart(2, '0')}:00.000Z`;
    // Two articles share a creation time; one row predates the index keys; another user's row.
    const articles = [1, 2, 2, 3, 4].map((n) => ({
      id: randomUUID(),
      createdAt: minute(n),
      authorId: randomUUID(),
    }));
    type Favorited = { id: string; createdAt: string; authorId: string };
    const row = (userId: string, article: Favorited, indexed = true) => ({
      ...favoritedKey(userId, article.id),
      articleId: article.id,
      userId,
      ...(indexed
        ? {
            favoritedBy: userId,
            articleOrder: favoriteOrder(article.createdAt, article.id),
            authorId: article.authorId,
          }
        : {}),
    });
    const unindexed = { id: randomUUID(), createdAt: minute(5), authorId: randomUUID() };
    await putAll([
      ...articles.map((article) => row(me, article)),
      row(me, unindexed, false),
      row(randomUUID(), { id: randomUUID(), createdAt: minute(6), authorId: randomUUID() }),
    ]);
    const newestFirst = [...articles].sort(newestFirstOrder);
    const page = (limit: number, offset: number, after?: { createdAt: string; id: string }) =>
      relations.favoritedPage(me, { limit, offset, ...(after ? { after } : {}) });

    expect(await page(2, 0)).toEqual({ positions: newestFirst.slice(0, 2), more: true });
    expect(await page(2, 2)).toEqual({ positions: newestFirst.slice(2, 4), more: true });
    expect(await page(2, 4)).toEqual({ positions: newestFirst.slice(4), more: false });
    expect(await page(10, 5)).toEqual({ positions: [], more: false });
    expect(await page(2, 0, newestFirst[1])).toEqual({ positions: newestFirst.slice(2, 4), more: true });
    expect(await page(2, 0, newestFirst[3])).toEqual({ positions: newestFirst.slice(4), more: false });
    expect(await page(3, 0, newestFirst[1])).toEqual({ positions: newestFirst.slice(2), more: false });
  });
});
