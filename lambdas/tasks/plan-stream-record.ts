/**
 * Workflow task of article-events and relation-events: reads one stream record (as the Pipe
 * delivers it) and says what follows from it: the article it concerns, as a plain record for the
 * search index, and the fan-out jobs to start. Pure computation.
 */
import { DynamoDBStreamRecord } from '@aws-lambda-powertools/parser/schemas/dynamodb';
import type { z } from 'zod';
import { articleKey, partitionOf } from '../shared/keys.ts';
import { businessMetric, countMetric, workflowTask } from '../shared/observability.ts';
import { type ArticleRecord, FEED_FROM_EVERY_ARTICLE, type FollowRecord } from '../shared/records.ts';
import type { FanOutJob } from './plan-fan-out-writes.ts';

export interface StreamRecordPlan {
  /** The article record after the change (before it, for a REMOVE); absent for a follow. */
  readonly article?: ArticleRecord;
  readonly fanOuts: FanOutJob[];
}

/** A stream record as Powertools' parser validates it, with keys and images unmarshalled. */
type StreamRecord = z.infer<typeof DynamoDBStreamRecord>;

function image<T>(record: StreamRecord): T {
  const stored = record.eventName === 'REMOVE' ? record.dynamodb.OldImage : record.dynamodb.NewImage;
  if (!stored) {
    throw new Error(
      `stream record ${record.eventID} carries no image (the stream must be NEW_AND_OLD_IMAGES)`,
    );
  }
  return stored as T;
}

function planArticleChange(record: StreamRecord): StreamRecordPlan {
  const article = image<ArticleRecord>(record);
  const { id: articleId, authorId, createdAt } = article;
  const followers = partitionOf.followers(authorId);
  switch (record.eventName) {
    case 'INSERT':
      countMetric(businessMetric.articlesCreated, 1);
      return {
        article,
        fanOuts: [{ kind: 'feed-article', partition: followers, articleId, authorId, createdAt }],
      };
    case 'REMOVE':
      return {
        article,
        fanOuts: [
          { kind: 'unfeed-article', partition: followers, articleId, authorId, createdAt },
          { kind: 'delete-favorites', partition: partitionOf.favorites(articleId), articleId },
          { kind: 'delete-comments', partition: partitionOf.comments(articleId) },
        ],
      };
    default:
      return { article, fanOuts: [] };
  }
}

function planFollowChange(record: StreamRecord): StreamRecordPlan {
  const { followerId, followeeId, feedFrom = FEED_FROM_EVERY_ARTICLE } = image<FollowRecord>(record);
  switch (record.eventName) {
    case 'INSERT':
      return { fanOuts: [{ kind: 'feed-author', authorId: followeeId, readerId: followerId, feedFrom }] };
    case 'REMOVE':
      return {
        fanOuts: [
          {
            kind: 'prune-feed-author',
            partition: partitionOf.feed(followerId),
            authorId: followeeId,
            readerId: followerId,
          },
        ],
      };
    default:
      return { fanOuts: [] };
  }
}

export const handler = workflowTask(async (input: { record: unknown }): Promise<StreamRecordPlan> => {
  // A record that is not a DynamoDB stream record is a wiring bug: the parse error fails the task.
  const record = DynamoDBStreamRecord.parse(input.record);
  const pk = String(record.dynamodb.Keys.pk ?? '');
  // The key prefixes are those of lambdas/shared/keys.ts; the Pipe filters let only these through.
  if (pk.startsWith(articleKey(''))) return planArticleChange(record);
  if (pk.startsWith(partitionOf.following(''))) return planFollowChange(record);
  throw new Error(`no plan for a stream record of item ${pk}`);
});
