/** Reads of articles. Writes happen in the workflows' transactions. */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from './batch-get.ts';
import { articleKey, slugKey } from './keys.ts';
import type { ArticleRecord, SlugRecord } from './records.ts';

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
    const articleId = await this.findIdBySlug(slug);
    return articleId ? this.findById(articleId) : undefined;
  }

  /** The id a slug marker points at (one GetItem; the article itself may be mid-delete). */
  async findIdBySlug(slug: string): Promise<string | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: slugKey(slug) }, ConsistentRead: true }),
    );
    return (Item as SlugRecord | undefined)?.articleId;
  }

  /** Articles by id in the order given, one BatchGetItem per 100 ids; ids with no article are left out. */
  async findManyByIds(articleIds: readonly string[]): Promise<ArticleRecord[]> {
    const unique = [...new Set(articleIds)];
    const keys = unique.map((id) => ({ pk: articleKey(id) }));
    const articles = (await batchGetAll(this.db, this.table, keys)) as unknown as ArticleRecord[];
    const byId = new Map(articles.map((article) => [article.id, article]));
    return unique.flatMap((id) => byId.get(id) ?? []);
  }
}
