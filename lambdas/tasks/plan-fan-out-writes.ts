/**
 * Workflow task of fan-out: turns one page of items the workflow read into the BatchWriteItem
 * requests of its job (feed entries to put or delete, favorites and comments to delete). Pure
 * computation; the workflow partitions the requests into batches of 25 and writes them.
 */
import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { favoritedKey, favoriteKey, feedKey } from '../shared/keys.ts';
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
  /** A deleted article: its favorite rows and their favorited# mirrors. */
  | { kind: 'delete-favorites'; partition: string; articleId: string }
  /** A deleted article: its comments. */
  | { kind: 'delete-comments'; partition: string }
  /** A follow: the author's recent articles into the reader's feed. */
  | { kind: 'feed-author'; authorId: string; readerId: string }
  /** An unfollow: the author's articles out of the reader's feed (partition: the reader's feed). */
  | { kind: 'unfeed-author'; partition: string; authorId: string; readerId: string };

type Item = Record<string, AttributeValue>;

const put = (record: FeedRecord): WriteRequest => ({ PutRequest: { Item: marshall(record) } });
const remove = (key: { pk: string; sk: string }): WriteRequest => ({ DeleteRequest: { Key: marshall(key) } });

function requestsFor(job: FanOutJob, item: Record<string, string>): WriteRequest[] {
  switch (job.kind) {
    case 'feed-article': {
      const { articleId, authorId, createdAt } = job;
      return [put({ ...feedKey(item.sk ?? '', createdAt, articleId), articleId, authorId, createdAt })];
    }
    case 'unfeed-article':
      return [remove(feedKey(item.sk ?? '', job.createdAt, job.articleId))];
    case 'delete-favorites':
      return [
        remove(favoriteKey(job.articleId, item.sk ?? '')),
        remove(favoritedKey(item.sk ?? '', job.articleId)),
      ];
    case 'delete-comments':
    case 'unfeed-author':
      return [remove({ pk: item.pk ?? '', sk: item.sk ?? '' })];
    case 'feed-author': {
      const { id: articleId = '', authorId = '', createdAt = '' } = item;
      return [put({ ...feedKey(job.readerId, createdAt, articleId), articleId, authorId, createdAt })];
    }
  }
}

export const handler = async ({
  job,
  items,
}: {
  job: FanOutJob;
  items: Item[];
}): Promise<{ requests: WriteRequest[] }> => ({
  requests: items.flatMap((item) => requestsFor(job, unmarshall(item) as Record<string, string>)),
});
