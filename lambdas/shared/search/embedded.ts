/**
 * The embedded search engine of the local runtime: an in-process index, one per process
 * (`embeddedArticleSearch`), shared by every handler module the runtime loads and rebuilt from
 * DynamoDB at start. Same contract as the OpenSearch adapter (test/unit/search-contract.test.ts),
 * including what a real OpenSearch decides there: the mapping's strictness, the result window, and
 * keyword order (code points) for the tags' tie-break.
 */
import {
  type ArticlePage,
  type ArticleSearch,
  compareCodePoints,
  documentVersion,
  type ListQuery,
  MAX_RESULT_WINDOW,
  MAX_TAGS,
  newestFirst,
  type SearchDocument,
  SearchDocumentRejectedError,
} from './article-search.ts';

const PAGE_SIZE = 500;

/** The fields of the OpenSearch mapping (opensearch.ts), which is strict: no other field is indexed. */
const FIELDS = new Set(['id', 'tagList', 'createdAt', 'updatedAt']);

/** What the mapping's `strict_date_optional_time` accepts: an ISO 8601 date, time optional. */
const STRICT_DATE_OPTIONAL_TIME =
  /^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}([.,]\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;

/** Refuses what OpenSearch's strict mapping refuses, with the same kind of error. */
function checkMapping(document: SearchDocument): void {
  const unknown = Object.keys(document).find((field) => !FIELDS.has(field));
  if (unknown) {
    throw new SearchDocumentRejectedError(document.id, `the mapping is strict and has no field [${unknown}]`);
  }
  for (const field of ['createdAt', 'updatedAt'] as const) {
    const value = document[field];
    if (!STRICT_DATE_OPTIONAL_TIME.test(value) || Number.isNaN(Date.parse(value))) {
      throw new SearchDocumentRejectedError(
        document.id,
        `failed to parse field [${field}] of type [date]: ${JSON.stringify(value)}`,
      );
    }
  }
}

export class EmbeddedArticleSearch implements ArticleSearch {
  private documentsById = new Map<string, SearchDocument>();
  /** Ids of removed articles: a late upsert of one of them is ignored. */
  private tombstones = new Set<string>();
  /** The documents newest first, computed on the first read after a write. */
  private sorted: SearchDocument[] | undefined;
  /** Ids upserted while a rebuild runs, which it then keeps if they are newer than what it read. */
  private upsertedDuringRebuild: Set<string> | undefined;

  async upsert(document: SearchDocument): Promise<void> {
    checkMapping(document);
    if (this.tombstones.has(document.id)) return;
    const indexed = this.documentsById.get(document.id);
    if (indexed && documentVersion(indexed) > documentVersion(document)) return;
    this.documentsById.set(document.id, { ...document, tagList: [...document.tagList] });
    this.upsertedDuringRebuild?.add(document.id);
    this.sorted = undefined;
  }

  async remove(articleId: string): Promise<void> {
    this.tombstones.add(articleId);
    if (this.documentsById.delete(articleId)) this.sorted = undefined;
  }

  async list({ tag, limit, offset }: ListQuery): Promise<ArticlePage> {
    this.sorted ??= [...this.documentsById.values()].sort(newestFirst);
    const matches = tag === undefined ? this.sorted : this.sorted.filter((doc) => doc.tagList.includes(tag));
    const end = Math.min(offset + limit, MAX_RESULT_WINDOW);
    return { ids: matches.slice(offset, end).map((doc) => doc.id), total: matches.length };
  }

  async tags(): Promise<string[]> {
    const counts = new Map<string, number>();
    for (const document of this.documentsById.values()) {
      for (const tag of document.tagList) counts.set(tag, (counts.get(tag) ?? 0) + 1);
    }
    return [...counts]
      .sort(([a, countA], [b, countB]) => countB - countA || compareCodePoints(a, b))
      .slice(0, MAX_TAGS)
      .map(([tag]) => tag);
  }

  async *documents(): AsyncIterable<readonly SearchDocument[]> {
    const all = [...this.documentsById.values()];
    for (let start = 0; start < all.length; start += PAGE_SIZE) yield all.slice(start, start + PAGE_SIZE);
  }

  /**
   * Replaces the documents with the batches', keeping upserts made meanwhile that are newer than
   * what the batches hold; tombstones stay, so nothing removed comes back.
   */
  async rebuild(batches: AsyncIterable<readonly SearchDocument[]>): Promise<number> {
    const rebuilt = new Map<string, SearchDocument>();
    const upsertedMeanwhile = new Set<string>();
    this.upsertedDuringRebuild = upsertedMeanwhile;
    let count = 0;
    try {
      for await (const batch of batches) {
        for (const document of batch) {
          checkMapping(document);
          rebuilt.set(document.id, { ...document, tagList: [...document.tagList] });
        }
        count += batch.length;
      }
    } finally {
      this.upsertedDuringRebuild = undefined;
    }
    for (const id of upsertedMeanwhile) {
      const current = this.documentsById.get(id);
      const read = rebuilt.get(id);
      if (current && (!read || documentVersion(current) >= documentVersion(read))) rebuilt.set(id, current);
    }
    for (const id of this.tombstones) rebuilt.delete(id);
    this.documentsById = rebuilt;
    this.sorted = undefined;
    return count;
  }
}

/** The process-wide index of the local runtime. */
export const embeddedArticleSearch = new EmbeddedArticleSearch();
