/**
 * Workflow task of fan-out: checks the feed entries a page has just written (or, for an unfollow,
 * read) against the source items they derive from, with consistent reads, and says which must go.
 * Writing first and checking after is what makes the fan-out order-independent (docs/events.md): a
 * write that raced a delete or an unfollow is found here, and one that comes after this check is
 * found by the event of that delete or unfollow.
 *
 * - An entry whose article is gone goes unconditionally: articles never come back.
 * - An entry whose follow is gone or no longer covers it (createdAt < feedFrom) goes only while that
 *   is still so: the workflow deletes it in a transaction with a condition check on the follow,
 *   because the reader may follow again at any moment.
 */
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import { batchGetAll } from '../shared/batch-get.ts';
import { documentClient } from '../shared/clients.ts';
import { tableName } from '../shared/config.ts';
import { asDependencyFailure } from '../shared/errors.ts';
import { articleKey, followingKey } from '../shared/keys.ts';
import { workflowTask } from '../shared/observability.ts';
import { FEED_FROM_EVERY_ARTICLE, type FeedRecord, type FollowRecord } from '../shared/records.ts';
import { deleteRequest, type FanOutJob, feedEntriesOf, type Item } from './plan-fan-out-writes.ts';

const articlesTable = tableName('Articles');
const relationsTable = tableName('Relations');

/** An entry to delete while its reader's follow of its author does not cover it. */
export interface GuardedRemoval {
  readonly entry: { pk: { S: string }; sk: { S: string } };
  readonly follow: { pk: { S: string }; sk: { S: string } };
  readonly createdAt: string;
}

export interface FeedCheck {
  readonly removals: WriteRequest[];
  readonly guarded: GuardedRemoval[];
}

const followIdentity = (readerId: string, authorId: string): string => `${readerId}\n${authorId}`;
const readerOf = (entry: FeedRecord): string => entry.pk.slice(entry.pk.indexOf('#') + 1);

export const handler = workflowTask(
  async ({ job, items }: { job: FanOutJob; items: Item[] }): Promise<FeedCheck> => {
    const entries = feedEntriesOf(job, items);
    if (!entries.length) return { removals: [], guarded: [] };
    const articleIds = [...new Set(entries.map((entry) => entry.articleId))];
    const follows = new Map(
      entries.map((entry) => [
        followIdentity(readerOf(entry), entry.authorId),
        followingKey(readerOf(entry), entry.authorId),
      ]),
    );
    const [articles, followItems] = await Promise.all([
      batchGetAll(
        documentClient,
        articlesTable,
        articleIds.map((id) => ({ pk: articleKey(id) })),
        'id',
      ),
      batchGetAll(documentClient, relationsTable, [...follows.values()], 'followerId, followeeId, feedFrom'),
    ]).catch(asDependencyFailure);
    const existing = new Set(articles.map((article) => String(article.id)));
    const feedFromOf = new Map(
      (followItems as unknown as FollowRecord[]).map((follow) => [
        followIdentity(follow.followerId, follow.followeeId),
        follow.feedFrom ?? FEED_FROM_EVERY_ARTICLE,
      ]),
    );

    const check: FeedCheck = { removals: [], guarded: [] };
    for (const entry of entries) {
      if (!existing.has(entry.articleId)) {
        check.removals.push(deleteRequest(entry));
        continue;
      }
      const identity = followIdentity(readerOf(entry), entry.authorId);
      const feedFrom = feedFromOf.get(identity);
      if (feedFrom !== undefined && entry.createdAt >= feedFrom) continue;
      const follow = followingKey(readerOf(entry), entry.authorId);
      check.guarded.push({
        entry: { pk: { S: entry.pk }, sk: { S: entry.sk } },
        follow: { pk: { S: follow.pk }, sk: { S: follow.sk } },
        createdAt: entry.createdAt,
      });
    }
    return check;
  },
);
