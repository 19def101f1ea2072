/**
 * Reads of the Relations table (follows, favorites, comments). Writes happen in the workflows'
 * transactions. Batched so that rendering a page costs the same round trips whatever its length.
 */
import {
  type DynamoDBDocumentClient,
  paginateQuery,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { FEED_LENGTH } from '../../schemas/requests.ts';
import { batchGetAll } from './batch-get.ts';
import { commentKey, favoriteKey, favoriteOrder, followingKey, partitionOf } from './keys.ts';
import type { CommentRecord, FavoriteRecord, FeedRecord } from './records.ts';

interface RelationKey {
  readonly pk: string;
  readonly sk: string;
}

/** schemas/tables.ts: favorited# rows by favoritedBy, sorted by favoriteOrder (article createdAt, id). */
const FAVORITED_INDEX = 'byFavoritingUser';

const identity = (key: RelationKey): string => `${key.pk}\n${key.sk}`;

export class RelationsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** The ids among `followeeIds` that `followerId` follows; empty for an anonymous reader. */
  async followingSet(followerId: string | undefined, followeeIds: readonly string[]): Promise<Set<string>> {
    if (!followerId) return new Set();
    return this.idsWithItem(followeeIds, (followeeId) => followingKey(followerId, followeeId));
  }

  /** The ids among `articleIds` that `userId` has favorited; empty for an anonymous reader. */
  async favoritedSet(userId: string | undefined, articleIds: readonly string[]): Promise<Set<string>> {
    if (!userId) return new Set();
    return this.idsWithItem(articleIds, (articleId) => favoriteKey(articleId, userId));
  }

  /**
   * An article's comments, newest first (the sort key is the padded comment id): all of them, or with
   * `limit` a page of them below the comment id `before`, and whether more follow (one more is read
   * to tell).
   */
  async listComments(
    articleId: string,
    page?: { readonly limit: number; readonly before?: number },
  ): Promise<{ comments: CommentRecord[]; more: boolean }> {
    const comments: CommentRecord[] = [];
    const wanted = page ? page.limit + 1 : Number.POSITIVE_INFINITY;
    let startKey: Record<string, unknown> | undefined =
      page?.before === undefined ? undefined : commentKey(articleId, page.before);
    do {
      const result: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': partitionOf.comments(articleId) },
          ConsistentRead: true,
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
          ...(page ? { Limit: wanted - comments.length } : {}),
        }),
      );
      comments.push(...((result.Items ?? []) as CommentRecord[]));
      startKey = result.LastEvaluatedKey;
    } while (startKey && comments.length < wanted);
    return page
      ? { comments: comments.slice(0, page.limit), more: comments.length > page.limit }
      : { comments, more: false };
  }

  /**
   * The ids of every article a user has favorited (favorited#<user> rows, in no useful order):
   * the candidates of `favorited` combined with another filter, O(favorites).
   */
  async favoritedArticleIds(userId: string): Promise<string[]> {
    const ids: string[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partitionOf.favorited(userId) },
        ProjectionExpression: 'articleId',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      ids.push(...((page.Items ?? []) as Pick<FavoriteRecord, 'articleId'>[]).map((row) => row.articleId));
    }
    return ids;
  }

  /**
   * One page of a user's favorites, newest article first, after a cursor's position or at an
   * offset, and whether more follow: one query of the sparse byFavoritingUser index reading at most
   * offset + limit + 1 small items (offset is bounded by MAX_PAGE_OFFSET; after a cursor, limit + 1
   * at any depth), whatever the number of favorites. An index read is eventually consistent: a
   * favorite made a moment ago may show a moment later.
   */
  async favoritedPage(
    userId: string,
    { limit, offset, after }: { limit: number; offset: number; after?: { createdAt: string; id: string } },
  ): Promise<{ positions: { createdAt: string; id: string; authorId?: string }[]; more: boolean }> {
    const wanted = (after ? 0 : offset) + limit + 1;
    const rows: Pick<FavoriteRecord, 'articleId' | 'articleOrder' | 'authorId'>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      // Each call asks only for what is still wanted: a response stops at 1 MB (about 4,000 rows).
      const result: QueryCommandOutput = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: FAVORITED_INDEX,
          KeyConditionExpression: after
            ? 'favoritedBy = :userId AND articleOrder < :after'
            : 'favoritedBy = :userId',
          ExpressionAttributeValues: {
            ':userId': userId,
            ...(after ? { ':after': favoriteOrder(after.createdAt, after.id) } : {}),
          },
          ProjectionExpression: 'articleId, articleOrder, authorId',
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
          Limit: wanted - rows.length,
        }),
      );
      rows.push(...((result.Items ?? []) as typeof rows));
      startKey = result.LastEvaluatedKey;
    } while (startKey && rows.length < wanted);
    const start = after ? 0 : offset;
    return {
      positions: rows.slice(start, start + limit).map(({ articleId, articleOrder = '', authorId }) => ({
        // articleOrder is `<createdAt>#<articleId>`, and an ISO date has no '#'.
        createdAt: articleOrder.slice(0, articleOrder.indexOf('#')),
        id: articleId,
        ...(authorId ? { authorId } : {}),
      })),
      more: rows.length > start + limit,
    };
  }

  /**
   * A reader's feed: the newest FEED_LENGTH entries, newest first (the sort key starts with
   * createdAt), read by one query however many entries the reader has (DynamoDB answers up to 1 MB
   * per call: FEED_LENGTH entries of a few hundred bytes take one). Every page and the count come
   * from it.
   */
  async feedWindow(readerId: string): Promise<FeedRecord[]> {
    const entries: FeedRecord[] = [];
    const pages = paginateQuery(
      { client: this.db },
      {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partitionOf.feed(readerId) },
        ConsistentRead: true,
        ScanIndexForward: false,
        Limit: FEED_LENGTH,
      },
    );
    for await (const page of pages) {
      entries.push(...((page.Items ?? []) as FeedRecord[]));
      if (entries.length >= FEED_LENGTH) break;
    }
    return entries.slice(0, FEED_LENGTH);
  }

  /** The ids whose relation item exists, in one BatchGetItem per 100 keys. */
  private async idsWithItem(
    ids: readonly string[],
    keyOf: (id: string) => RelationKey,
  ): Promise<Set<string>> {
    const unique = [...new Set(ids)];
    const idOfKey = new Map(unique.map((id) => [identity(keyOf(id)), id]));
    const items = await batchGetAll(
      this.db,
      this.table,
      unique.map((id) => ({ ...keyOf(id) })),
      'pk, sk',
    );
    return new Set(items.flatMap((item) => idOfKey.get(identity(item as unknown as RelationKey)) ?? []));
  }
}
