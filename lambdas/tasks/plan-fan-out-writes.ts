/**
 * Workflow task of fan-out: turns one page of items the workflow read into the BatchWriteItem
 * requests of its job (feed entries to put or delete, comments to delete). Pure
 * computation; the workflow partitions the requests into batches of 25 and writes them.
 */
import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { feedKey } from '../shared/keys.ts';
import { businessMetric, countMetric, workflowTask } from '../shared/observability.ts';
import type { FeedRecord } from '../shared/records.ts';

/**
 * What one fan-out execution chain does. `partition` is the Relations partition it pages through
 * (feed-author reads the author's articles from the byAuthor index instead).
 */
export type FanOutJob =
  /** A new article: into the feed of every follower of its author. */
  | { kind: 'feed-article'; partition: string; articleId: string; authorId: string; createdAt: string }
  /** A deleted article: out of the feed of every follower of its author. */
  | { kind: 'unfeed-article'; partition: string; articleId: string; authorId: string; createdAt: string }
  /**
   * A deleted article: its favorite rows, their favorited# mirrors and each user's favoritesMade,
   * in one transaction per favorite that the workflow runs itself (no plan).
   */
  | { kind: 'delete-favorites'; partition: string; articleId: string }
  /** A deleted article: its comments. */
  | { kind: 'delete-comments'; partition: string }
  /** A follow: the author's articles created since `feedFrom` into the reader's feed. */
  | { kind: 'feed-author'; authorId: string; readerId: string; feedFrom: string }
  /**
   * An unfollow: the reader's feed entries of the author that nothing covers any more (partition:
   * the reader's feed). It writes nothing itself: the check removes what must go.
   */
  | { kind: 'prune-feed-author'; partition: string; authorId: string; readerId: string };

export type Item = Record<string, AttributeValue>;

/** The feed entries a page of a job puts, or (prune-feed-author) reads: what the check verifies. */
export function feedEntriesOf(job: FanOutJob, items: readonly Item[]): FeedRecord[] {
  const plain = items.map((item) => unmarshall(item) as Record<string, string>);
  switch (job.kind) {
    case 'feed-article': {
      const { articleId, authorId, createdAt } = job;
      return plain.map(({ sk = '' }) => ({
        ...feedKey(sk, createdAt, articleId),
        articleId,
        authorId,
        createdAt,
      }));
    }
    case 'feed-author':
      return plain.map(({ id: articleId = '', authorId = '', createdAt = '' }) => ({
        ...feedKey(job.readerId, createdAt, articleId),
        articleId,
        authorId,
        createdAt,
      }));
    case 'prune-feed-author':
      return plain.map(({ pk = '', sk = '', articleId = '', authorId = '', createdAt = '' }) => ({
        pk,
        sk,
        articleId,
        authorId,
        createdAt,
      }));
    default:
      return [];
  }
}

const put = (record: FeedRecord): WriteRequest => ({ PutRequest: { Item: marshall(record) } });
export const deleteRequest = (key: { pk: string; sk: string }): WriteRequest => ({
  DeleteRequest: { Key: marshall({ pk: key.pk, sk: key.sk }) },
});

function requestsFor(job: FanOutJob, items: readonly Item[]): WriteRequest[] {
  switch (job.kind) {
    case 'feed-article':
    case 'feed-author':
      return feedEntriesOf(job, items).map(put);
    case 'prune-feed-author':
    // The workflow removes favorites itself, one transaction each, since each moves a count.
    case 'delete-favorites':
      return [];
    case 'unfeed-article':
      return items.map((item) => {
        const { sk = '' } = unmarshall(item) as Record<string, string>;
        return deleteRequest(feedKey(sk, job.createdAt, job.articleId));
      });
    case 'delete-comments':
      return items.map((item) => deleteRequest(unmarshall(item) as { pk: string; sk: string }));
  }
}

export const handler = workflowTask(
  async ({ job, items }: { job: FanOutJob; items: Item[] }): Promise<{ requests: WriteRequest[] }> => {
    const requests = requestsFor(job, items);
    // Counted when planned: the workflow's BatchWriteItem writes them, retrying what is unprocessed.
    if (job.kind === 'feed-article' || job.kind === 'feed-author') {
      countMetric(businessMetric.feedEntriesWritten, requests.length);
    }
    return { requests };
  },
);
