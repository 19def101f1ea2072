/**
 * DynamoDB stream sources of the STANDARD workflows: one definition, read by the CDK events
 * construct (one EventBridge Pipe per entry) and by the local stream poller (same filter, same
 * batch shape: the workflow's execution input is the JSON array of the batch's stream records, as
 * the Pipe delivers them with invocation type FIRE_AND_FORGET).
 *
 * A DynamoDB stream serves at most two concurrent readers per shard, so at most two entries may
 * read the same table.
 */
import type { TableId } from './tables.ts';

export interface EventSourceDefinition {
  /** The STANDARD workflow started once per batch (schemas/workflows.ts). */
  readonly workflow: string;
  /** The table whose stream feeds it; it must have `stream: true` (schemas/tables.ts). */
  readonly table: TableId;
  /**
   * EventBridge Pipes filter patterns on the stream records, OR-ed; a record matching none is
   * dropped. Empty means every record. Example, new articles only:
   * `{ eventName: ['INSERT'], dynamodb: { Keys: { pk: { S: [{ prefix: 'article#' }] } } } }`
   */
  readonly filters: readonly Readonly<Record<string, unknown>>[];
  /** Records per execution (1–10000). Default 10. */
  readonly batchSize?: number;
}

/**
 * What the latest write of an article item changed, which every write of one stores on it as
 * `lastChange`: `content` (create, update: what article-events derives from) or the one counter a
 * favorite, unfavorite or new comment moves. A Pipe filter cannot compare OldImage with NewImage,
 * but it can read this from NewImage.
 */
export const ARTICLE_CHANGE_ATTRIBUTE = 'lastChange';
export const articleChanges = {
  content: 'content',
  favoritesCount: 'favoritesCount',
  commentSeq: 'commentSeq',
} as const;
export type ArticleChange = (typeof articleChanges)[keyof typeof articleChanges];

/**
 * Changes article-events has nothing to do for: counters that no search document
 * (lambdas/shared/search/article-search.ts) and no feed entry holds.
 */
export const COUNTER_ONLY_CHANGES: readonly ArticleChange[] = [
  articleChanges.favoritesCount,
  articleChanges.commentSeq,
];

/** Key prefixes of lambdas/shared/keys.ts: filters select records by the item's partition key. */
const partitionKeyPrefix = (prefix: string) => ({ Keys: { pk: { S: [{ prefix }] } } });
const articleItem = partitionKeyPrefix('article#');
const lastChangeOfArticle = (matcher: Readonly<Record<string, unknown>>) => ({
  ...articleItem,
  NewImage: { [ARTICLE_CHANGE_ATTRIBUTE]: { S: [matcher] } },
});

export const eventSources: readonly EventSourceDefinition[] = [
  /*
   * Every change of an article record (not of its slug# marker) but a counter's: search index,
   * feeds, clean-up. A MODIFY without `lastChange` (an item no write has touched since the
   * attribute exists) passes: one reindex too many is harmless, one too few is not.
   */
  {
    workflow: 'article-events',
    table: 'Articles',
    filters: [
      { eventName: ['INSERT', 'REMOVE'], dynamodb: articleItem },
      { eventName: ['MODIFY'], dynamodb: lastChangeOfArticle({ 'anything-but': COUNTER_ONLY_CHANGES }) },
      { eventName: ['MODIFY'], dynamodb: lastChangeOfArticle({ exists: false }) },
    ],
    batchSize: 10,
  },
  /*
   * Follows and unfollows only: the followers# mirror would double the work, and favorites,
   * comments and feed entries must not reach it (the feed entries are its own writes: a loop).
   */
  {
    workflow: 'relation-events',
    table: 'Relations',
    filters: [{ eventName: ['INSERT', 'REMOVE'], dynamodb: partitionKeyPrefix('following#') }],
    batchSize: 10,
  },
];
