/**
 * Fan-out: the time one new article takes to reach every follower's feed, on the production path
 * (a runtime with `asyncEvents`), and the BatchWriteItem calls its fan-out issued (ideal ⌈N/25⌉;
 * more means retried unprocessed items). The followers are written straight into DynamoDB, rows
 * exactly as the follow workflow writes them (state-machines/express/follow-user.asl.json): through
 * the API, thousands of follows would take longer than the figure itself.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { followersKey, followingKey, slugKey, usernameKey } from '../../lambdas/shared/keys.ts';
import {
  FEED_FROM_EVERY_ARTICLE,
  type FollowRecord,
  type MarkerRecord,
  type SlugRecord,
} from '../../lambdas/shared/records.ts';
import { localAwsConfig } from '../../local/dynamodb-local.ts';
import type { Runtime } from '../../local/runtime.ts';
import { apiOf, register } from './counted.ts';
import { Counters } from './counters.ts';
import { writeAll } from './table-writes.ts';

/** Items per BatchWriteItem call. */
const BATCH = 25;

export interface FanOut {
  readonly followers: number;
  /** From the create request to the last feed entry written. */
  readonly seconds: number;
  /** The create request's own answer. */
  readonly answeredMs: number;
  readonly feedEntries: number;
  readonly batchWrites: number;
  /** ⌈followers / 25⌉. */
  readonly idealBatchWrites: number;
  /** STANDARD executions the article's events started (fan-out pages included). */
  readonly executions: number;
}

/** Feed entries of an article, counted over the Relations table. */
async function feedEntries(db: DynamoDBDocumentClient, table: string, articleId: string): Promise<number> {
  let count = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: table,
        FilterExpression: 'begins_with(pk, :feed) AND articleId = :article',
        ExpressionAttributeValues: { ':feed': 'feed#', ':article': articleId },
        Select: 'COUNT',
        ExclusiveStartKey,
      }),
    );
    count += page.Count ?? 0;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return count;
}

/** One author per size with that many followers, then one article of theirs, timed into every feed. */
export async function measureFanOut(
  runtime: Runtime,
  sizes: readonly number[],
  progress: (step: string) => void,
): Promise<FanOut[]> {
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...localAwsConfig, endpoint: runtime.dynamoDbEndpoint }),
  );
  const api = apiOf(runtime);
  const relations = runtime.tableNames.Relations;
  const measured: FanOut[] = [];
  try {
    for (const size of sizes) {
      progress(`fan-out: seeding ${size} followers`);
      const author = await register(api, 'famous');
      const marker = await db.send(
        new GetCommand({ TableName: runtime.tableNames.Users, Key: { pk: usernameKey(author.username) } }),
      );
      const authorId = (marker.Item as MarkerRecord | undefined)?.userId;
      if (!authorId) throw new Error(`no user id for ${author.username}`);
      const createdAt = new Date().toISOString();
      const rows = Array.from({ length: size }, (): FollowRecord[] => {
        const followerId = randomUUID();
        const follow = { followerId, followeeId: authorId, createdAt };
        // The author has no articles yet: the follow workflow's feed starts at their first.
        return [
          { ...followingKey(followerId, authorId), ...follow, feedFrom: FEED_FROM_EVERY_ARTICLE },
          { ...followersKey(authorId, followerId), ...follow },
        ];
      }).flat();
      await writeAll(db, relations, rows);
      // The follows' own events (nothing to bring: the author has no articles) are not the figure.
      await runtime.events.settle();

      progress(`fan-out: one article to ${size} feeds`);
      const counters = await Counters.install(runtime);
      try {
        counters.take();
        const started = performance.now();
        const created = await api.post(
          '/api/articles',
          { article: { title: `Fan-out ${size} ${randomUUID()}`, description: 'd', body: 'b', tagList: [] } },
          author.token,
        );
        const answeredMs = performance.now() - started;
        if (created.status !== 201) throw new Error(`fan-out article: ${created.status}`);
        await runtime.events.settle();
        const seconds = (performance.now() - started) / 1000;
        const { events } = counters.take();
        const slug = await db.send(
          new GetCommand({
            TableName: runtime.tableNames.Articles,
            Key: { pk: slugKey(created.body.article.slug) },
          }),
        );
        const articleId = (slug.Item as SlugRecord | undefined)?.articleId ?? '';
        const entries = await feedEntries(db, relations, articleId);
        if (entries !== size) throw new Error(`fan-out to ${size} followers wrote ${entries} feed entries`);
        measured.push({
          followers: size,
          seconds,
          answeredMs,
          feedEntries: entries,
          batchWrites: events.dynamoDbByOperation.BatchWriteItem ?? 0,
          idealBatchWrites: Math.ceil(size / BATCH),
          executions: Object.values(events.executions).reduce(
            (total, { executions }) => total + executions,
            0,
          ),
        });
      } finally {
        counters.uninstall();
      }
    }
  } finally {
    db.destroy();
  }
  return measured;
}
