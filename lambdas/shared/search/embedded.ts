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

const PAGE_SIZE = 500;

export class EmbeddedArticleSearch implements ArticleSearch {
  private documentsById = new Map<string, SearchDocument>();
  /** Ids of removed articles: a late upsert of one of them is ignored. */
  private tombstones = new Set<string>();
  /** The documents newest first, computed on the first read after a write. */
  private sorted: SearchDocument[] | undefined;

  async upsert(document: SearchDocument): Promise<void> {
    if (this.tombstones.has(document.id)) return;
    const indexed = this.documentsById.get(document.id);
    if (indexed && indexed.updatedAt > document.updatedAt) return;
    this.documentsById.set(document.id, { ...document, tagList: [...document.tagList] });
    this.sorted = undefined;
  }

  async remove(articleId: string): Promise<void> {
    this.tombstones.add(articleId);
    if (this.documentsById.delete(articleId)) this.sorted = undefined;
  }

  async list({ tag, limit, offset }: ListQuery): Promise<ArticlePage> {
    this.sorted ??= [...this.documentsById.values()].sort(newestFirst);
    const matches = tag === undefined ? this.sorted : this.sorted.filter((doc) => doc.tagList.includes(tag));
    return { ids: matches.slice(offset, offset + limit).map((doc) => doc.id), total: matches.length };
  }

  async tags(): Promise<string[]> {
    const counts = new Map<string, number>();
    for (const document of this.documentsById.values()) {
      for (const tag of document.tagList) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    }
    return [...counts]
      .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, MAX_TAGS)
      .map(([tag]) => tag);
  }

  async *documents(): AsyncIterable<readonly SearchDocument[]> {
    const all = [...this.documentsById.values()];
    for (let start = 0; start < all.length; start += PAGE_SIZE) yield all.slice(start, start + PAGE_SIZE);
  }

  /** Replaces the documents; tombstones stay, so an upsert racing the rebuild cannot resurrect. */
  async rebuild(batches: AsyncIterable<readonly SearchDocument[]>): Promise<number> {
    const rebuilt = new Map<string, SearchDocument>();
    for await (const batch of batches) {
      for (const document of batch) {
        if (!this.tombstones.has(document.id))
          rebuilt.set(document.id, { ...document, tagList: [...document.tagList] });
      }
    }
    this.documentsById = rebuilt;
    this.sorted = undefined;
    return rebuilt.size;
  }
}

/** The process-wide index of the local runtime. */
export const embeddedArticleSearch = new EmbeddedArticleSearch();
