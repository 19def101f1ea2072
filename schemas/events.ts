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

/** Key prefixes of lambdas/shared/keys.ts: filters select records by the item's partition key. */
const partitionKeyPrefix = (prefix: string) => ({ dynamodb: { Keys: { pk: { S: [{ prefix }] } } } });

export const eventSources: readonly EventSourceDefinition[] = [
  /* Every change of an article record (not of its slug# marker): search index, feeds, clean-up. */
  {
    workflow: 'article-events',
    table: 'Articles',
    filters: [partitionKeyPrefix('article#')],
    batchSize: 10,
  },
  /*
   * Follows and unfollows only: the followers# mirror would double the work, and favorites,
   * comments and feed entries must not reach it (the feed entries are its own writes: a loop).
   */
  {
    workflow: 'relation-events',
    table: 'Relations',
    filters: [{ eventName: ['INSERT', 'REMOVE'], ...partitionKeyPrefix('following#') }],
    batchSize: 10,
  },
];
