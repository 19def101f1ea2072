/**
 * Helpers of the event-flow tests: write items straight into a runtime's tables (as the express
 * workflows would), read partitions back, and count the DynamoDB calls the workflows make.
 */
import { randomUUID } from 'node:crypto';
import type { BatchWriteItemCommandInput, BatchWriteItemCommandOutput } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  favoritedKey,
  favoriteKey,
  favoriteOrder,
  feedKey,
  followersKey,
  followingKey,
  userKey,
} from '../../lambdas/shared/keys.ts';
import {
  type ArticleRecord,
  FEED_FROM_EVERY_ARTICLE,
  type FollowRecord,
} from '../../lambdas/shared/records.ts';
import type { Runtime } from '../../local/runtime.ts';
import { articleRecord } from './articles.ts';
import { tableClient } from './runtime.ts';

type Item = Record<string, unknown>;

export function eventTables(runtime: Runtime) {
  const db = tableClient(runtime);
  const names = runtime.tableNames;

  /** Every item of a Relations partition, in sort-key order. */
  async function partition(pk: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          TableName: names.Relations,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Batch writes, a few at a time (DynamoDB Local takes ~100 ms for each). */
  async function putRelations(items: Item[]): Promise<void> {
    const chunks: Item[][] = [];
    for (let index = 0; index < items.length; index += 25) chunks.push(items.slice(index, index + 25));
    const write = async (): Promise<void> => {
      for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
        const requests = chunk.map((Item) => ({ PutRequest: { Item } }));
        await db.send(new BatchWriteCommand({ RequestItems: { [names.Relations]: requests } }));
      }
    };
    await Promise.all(Array.from({ length: 8 }, write));
  }

  return {
    db,
    partition,
    putRelations,
    /** An article record as create-article stores it. */
    async putArticle(
      authorId: string,
      createdAt: string,
      overrides: Partial<ArticleRecord> = {},
    ): Promise<ArticleRecord> {
      const article = articleRecord(authorId, { tagList: ['events'], createdAt, ...overrides });
      await db.send(new PutCommand({ TableName: names.Articles, Item: article }));
      return article;
    },
    /** Both rows of a follow, as follow-user writes them (feedFrom: every article unless given). */
    follow: (followerId: string, followeeId: string, feedFrom = FEED_FROM_EVERY_ARTICLE) => {
      const createdAt = new Date().toISOString();
      const rows: FollowRecord[] = [
        { ...followingKey(followerId, followeeId), followerId, followeeId, createdAt, feedFrom },
        { ...followersKey(followeeId, followerId), followerId, followeeId, createdAt },
      ];
      return putRelations(rows as unknown as Item[]);
    },
    /** Both rows of a favorite and the user's count of them, as favorite-article writes them. */
    async favorite(userId: string, article: ArticleRecord): Promise<void> {
      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: names.Relations,
                Item: { ...favoriteKey(article.id, userId), articleId: article.id, userId },
              },
            },
            {
              Put: {
                TableName: names.Relations,
                Item: {
                  ...favoritedKey(userId, article.id),
                  articleId: article.id,
                  userId,
                  favoritedBy: userId,
                  articleOrder: favoriteOrder(article.createdAt, article.id),
                  authorId: article.authorId,
                },
              },
            },
            {
              Update: {
                TableName: names.Users,
                Key: { pk: userKey(userId) },
                UpdateExpression: 'ADD favoritesMade :one',
                ExpressionAttributeValues: { ':one': 1 },
              },
            },
          ],
        }),
      );
    },
    /** A user's favoritesMade (undefined without a user item). */
    async favoritesMade(userId: string): Promise<number | undefined> {
      const { Item } = await db.send(
        new GetCommand({ TableName: names.Users, Key: { pk: userKey(userId) } }),
      );
      return Item?.favoritesMade;
    },
    destroy: () => db.destroy(),
  };
}

export interface BatchWriteCounter {
  /** BatchWriteItem calls since the counter was installed. */
  readonly calls: () => number;
  /** From now on each call writes only `keep` requests and returns the rest as UnprocessedItems. */
  throttle(keep: number | undefined): void;
  remove(): void;
}

/**
 * Counts the BatchWriteItem calls of the runtime's workflows, and can make DynamoDB answer with
 * UnprocessedItems, as it does under throttling (DynamoDB Local never does).
 */
export function countBatchWrites(runtime: Runtime): BatchWriteCounter {
  const name = `countBatchWrites${randomUUID()}`;
  let calls = 0;
  let keep: number | undefined;
  runtime.dynamoDb.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchWriteItemCommand') return next(args);
      calls++;
      if (keep === undefined) return next(args);
      const input = args.input as BatchWriteItemCommandInput;
      const [table, requests] = Object.entries(input.RequestItems ?? {})[0] ?? ['', []];
      const held = requests.slice(keep);
      // Nothing accepted: answer as DynamoDB would, without sending an empty batch.
      if (keep === 0) return { output: { UnprocessedItems: { [table]: held }, $metadata: {} }, response: {} };
      const result = await next({
        ...args,
        input: { ...input, RequestItems: { [table]: requests.slice(0, keep) } },
      });
      (result.output as BatchWriteItemCommandOutput).UnprocessedItems = held.length ? { [table]: held } : {};
      return result;
    },
    { step: 'initialize', name },
  );
  return {
    calls: () => calls,
    throttle: (count) => {
      keep = count;
    },
    remove: () => runtime.dynamoDb.middlewareStack.remove(name),
  };
}

/** Records the executions the runtime starts in the background (stream deliveries, continuations). */
export function recordStarts(runtime: Runtime): { readonly started: { workflow: string; input: unknown }[] } {
  const started: { workflow: string; input: unknown }[] = [];
  const { workflows } = runtime;
  const start = workflows.start.bind(workflows);
  workflows.start = (workflow, input, ...rest) => {
    started.push({ workflow, input });
    return start(workflow, input, ...rest);
  };
  return { started };
}

/** A fixed, readable creation time: minute n of 2024-01-01. */
export const minute = (n: number): string => new Date(Date.UTC(2024, 0, 1, 0, n)).toISOString();

/** The feed entry an article gives a reader, as the event workflows must store it. */
export const feedEntry = (readerId: string, article: ArticleRecord) => ({
  ...feedKey(readerId, article.createdAt, article.id),
  articleId: article.id,
  authorId: article.authorId,
  createdAt: article.createdAt,
});
