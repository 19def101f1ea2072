/**
 * The embedded search engine of the local runtime: an in-process index, one per process
 * (`embeddedArticleSearch`), shared by every handler module the runtime loads and rebuilt from
 * DynamoDB at start. Same contract as the OpenSearch adapter (test/unit/search-contract.test.ts).
 */
import {
  type ArticlePage,
  type ArticleSearch,
  type ListQuery,
  MAX_TAGS,
  newestFirst,
  type SearchDocument,
} from './article-search.ts';

export class EmbeddedArticleSearch implements ArticleSearch {
  private documents = new Map<string, SearchDocument>();
  /** The documents newest first, computed on the first read after a write. */
  private sorted: SearchDocument[] | undefined;

  async upsert(document: SearchDocument): Promise<void> {
    const indexed = this.documents.get(document.id);
    if (indexed && indexed.updatedAt > document.updatedAt) return;
    this.documents.set(document.id, { ...document, tagList: [...document.tagList] });
    this.sorted = undefined;
  }

  async remove(articleId: string): Promise<void> {
    if (this.documents.delete(articleId)) this.sorted = undefined;
  }

  async list({ tag, limit, offset }: ListQuery): Promise<ArticlePage> {
    this.sorted ??= [...this.documents.values()].sort(newestFirst);
    const matches = tag === undefined ? this.sorted : this.sorted.filter((doc) => doc.tagList.includes(tag));
    return { ids: matches.slice(offset, offset + limit).map((doc) => doc.id), total: matches.length };
  }

  async tags(): Promise<string[]> {
    const counts = new Map<string, number>();
    for (const document of this.documents.values()) {
      for (const tag of document.tagList) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    }
    return [...counts]
      .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, MAX_TAGS)
      .map(([tag]) => tag);
  }

  async rebuild(batches: AsyncIterable<readonly SearchDocument[]>): Promise<number> {
    const rebuilt = new EmbeddedArticleSearch();
    for await (const batch of batches) for (const document of batch) await rebuilt.upsert(document);
    this.documents = rebuilt.documents;
    this.sorted = undefined;
    return this.documents.size;
  }
}

/** The process-wide index of the local runtime. */
export const embeddedArticleSearch = new EmbeddedArticleSearch();
