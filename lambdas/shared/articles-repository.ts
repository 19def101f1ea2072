/** Reads of articles. Writes happen in the workflows' transactions. */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { tables } from '../../schemas/tables.ts';
import { batchGetAll } from './batch-get.ts';
import { articleKey, slugKey } from './keys.ts';
import type { ArticleRecord, SlugRecord } from './records.ts';

const BY_AUTHOR_INDEX = 'byAuthor';
if (!tables.some((table) => table.globalIndexes.some((index) => index.indexName === BY_AUTHOR_INDEX))) {
  throw new Error(`schemas/tables.ts has no ${BY_AUTHOR_INDEX} index`);
}

export interface ArticlePageRequest {
  readonly limit: number;
  readonly offset: number;
}

export class ArticlesRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async findById(articleId: string): Promise<ArticleRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: articleKey(articleId) }, ConsistentRead: true }),
    );
    return Item as ArticleRecord | undefined;
  }

  /** The article a slug marker points at; undefined when either is missing (e.g. mid-delete). */
  async findBySlug(slug: string): Promise<ArticleRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: slugKey(slug) }, ConsistentRead: true }),
    );
    const marker = Item as SlugRecord | undefined;
    return marker ? this.findById(marker.articleId) : undefined;
  }

  /**
   * One page of an author's articles, newest first (byAuthor index backwards), and how many they
   * have: two queries in parallel, whatever the page size.
   */
  async pageByAuthor(
    authorId: string,
    { limit, offset }: ArticlePageRequest,
  ): Promise<{ articles: ArticleRecord[]; total: number }> {
    const [articles, total] = await Promise.all([
      this.queryByAuthor(authorId, offset + limit),
      this.countByAuthor(authorId),
    ]);
    return { articles: articles.slice(offset), total };
  }

  /** Every article of an author, newest first. */
  async allByAuthor(authorId: string): Promise<ArticleRecord[]> {
    return this.queryByAuthor(authorId, Number.POSITIVE_INFINITY);
  }

  /** The ids of an author's articles, newest first (keys only: no bodies read). */
  async idsByAuthor(authorId: string): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of paginateQuery(
      { client: this.db },
      { ...this.byAuthorQuery(authorId), ProjectionExpression: 'id' },
    )) {
      ids.push(...(page.Items ?? []).map((item) => String(item.id)));
    }
    return ids;
  }

  /** Articles by id in the order given, one BatchGetItem per 100 ids; ids with no article are left out. */
  async findManyByIds(articleIds: readonly string[]): Promise<ArticleRecord[]> {
    const unique = [...new Set(articleIds)];
    const keys = unique.map((id) => ({ pk: articleKey(id) }));
    const articles = (await batchGetAll(this.db, this.table, keys)) as unknown as ArticleRecord[];
    const byId = new Map(articles.map((article) => [article.id, article]));
    return unique.flatMap((id) => byId.get(id) ?? []);
  }

  private byAuthorQuery(authorId: string): QueryCommandInput {
    return {
      TableName: this.table,
      IndexName: BY_AUTHOR_INDEX,
      KeyConditionExpression: 'authorId = :authorId',
      ExpressionAttributeValues: { ':authorId': authorId },
      ScanIndexForward: false,
    };
  }

  private async queryByAuthor(authorId: string, count: number): Promise<ArticleRecord[]> {
    const articles: ArticleRecord[] = [];
    const input = { ...this.byAuthorQuery(authorId), ...(Number.isFinite(count) ? { Limit: count } : {}) };
    for await (const page of paginateQuery({ client: this.db }, input)) {
      articles.push(...((page.Items ?? []) as ArticleRecord[]));
      if (articles.length >= count) break;
    }
    return articles.slice(0, count);
  }

  private async countByAuthor(authorId: string): Promise<number> {
    let total = 0;
    const input: QueryCommandInput = { ...this.byAuthorQuery(authorId), Select: 'COUNT' };
    for await (const page of paginateQuery({ client: this.db }, input)) total += page.Count ?? 0;
    return total;
  }
}
