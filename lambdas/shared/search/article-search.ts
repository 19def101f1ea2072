/**
 * The article search index behind the article lists (no filter, `tag`, `author` and both), the
 * full-text search (`q`, beyond the RealWorld spec) and /api/tags: a page of any of them costs the
 * same whatever the number of matches, and the total is exact.
 * It is derived data: the event workflows keep it in step with the Articles table
 * (lambdas/tasks/sync-search-index.ts) and it can always be rebuilt from that table (rebuild.ts).
 * It answers with article ids and a total; the articles themselves are read from DynamoDB.
 */
import type { ArticleRecord } from '../records.ts';

/** What the index holds of an article: what it filters, sorts and searches on. */
export interface SearchDocument {
  readonly id: string;
  readonly title: string;
  readonly description: string;
  readonly body: string;
  readonly tagList: readonly string[];
  /** The author's user id (never changes): the `author` filter. */
  readonly authorId: string;
  readonly createdAt: string;
  /** Orders concurrent writes: an upsert older than the indexed document is ignored. */
  readonly updatedAt: string;
}

export interface ListQuery {
  /** Full-text search of title, description, body and tags: any of its words, most relevant first. */
  readonly q?: string;
  readonly tag?: string;
  /** Only this author's articles. */
  readonly authorId?: string;
  /** The page after this hit (keyset paging: `offset` is then 0 and the result window does not apply). */
  readonly after?: SearchPosition;
  /** Answer each hit's sort position and author too (`hits`): for a cursor, and to read authors early. */
  readonly withHits?: boolean;
  /** Only these articles (candidates from DynamoDB for `favorited`); at most MAX_SEARCH_CANDIDATES (schemas/requests.ts). */
  readonly ids?: readonly string[];
  readonly limit: number;
  readonly offset: number;
}

/** Where a hit sorts: its relevance (with `q`), then newest first, then id. */
export interface SearchPosition {
  readonly score?: number;
  readonly createdAt: string;
  readonly id: string;
}

/** A hit's position and its author (a document indexed before `authorId` existed has none). */
export interface SearchHit extends SearchPosition {
  readonly authorId?: string;
}

export interface ArticlePage {
  /** Newest first (createdAt, then id, descending); with `q`, most relevant first and ties newest first. */
  readonly ids: string[];
  /** Every match, not just this page. */
  readonly total: number;
  /** With `withHits`: each hit of `ids`, where it sorts (the last one's is the next page's `after`). */
  readonly hits?: SearchHit[];
}

export interface ArticleSearch {
  /**
   * Indexes or replaces an article; ignored when the indexed copy has a later `updatedAt` or the
   * article was removed (events arrive out of order: a late upsert must not bring it back).
   */
  upsert(document: SearchDocument): Promise<void>;
  /**
   * Removes an article for good: a tombstone outranks every later upsert of that id (article ids
   * are never reused). Removing one that is not indexed is harmless.
   */
  remove(articleId: string): Promise<void>;
  /** Pages end at MAX_RESULT_WINDOW: one reaching past it is cut there, one starting there is empty. */
  list(query: ListQuery): Promise<ArticlePage>;
  /** Distinct tags, most used first, ties in code point order (compareCodePoints); at most MAX_TAGS. */
  tags(): Promise<string[]>;
  /** Every live document (tombstones left out), in pages, in no particular order: for verification. */
  documents(): AsyncIterable<readonly SearchDocument[]>;
  /**
   * Replaces the whole index with these documents (readers see the old index until the switch).
   * Writes made while it runs are kept, with the usual versioning against what it indexes.
   */
  rebuild(batches: AsyncIterable<readonly SearchDocument[]>): Promise<number>;
}

/**
 * The index could not take a request for now (OpenSearch answered 429 or 5xx, or could not be
 * reached). Its name is the error the event workflow's search tasks retry with backoff
 * (state-machines/standard/article-events.asl.json); any other error is a bug and is not retried.
 */
export class SearchUnavailableError extends Error {
  override readonly name = 'SearchUnavailable';
}

/**
 * The index refused a document: a field its mapping lacks, or a value of the wrong type. A bug, not a
 * passing condition, so the event workflow does not retry it and the batch ends as a dead letter.
 */
export class SearchDocumentRejectedError extends Error {
  override readonly name = 'SearchDocumentRejected';
  constructor(documentId: string, reason: string, options?: ErrorOptions) {
    super(`search document ${documentId} rejected: ${reason}`, options);
  }
}

/** OpenSearch's default `index.max_result_window`: no search reads past this many hits. */
export const MAX_RESULT_WINDOW = 10_000;

/**
 * How much each field weighs in a `q` search (both adapters): a word in the title counts most, one
 * only in the body least.
 */
export const SEARCH_FIELD_BOOSTS = { title: 3, tagList: 2, description: 2, body: 1 } as const;

/** /api/tags lists at most this many tags (an OpenSearch terms aggregation needs a size). */
export const MAX_TAGS = 10_000;

export const toSearchDocument = (article: ArticleRecord): SearchDocument => ({
  id: article.id,
  title: article.title,
  description: article.description,
  body: article.body,
  tagList: [...new Set(article.tagList ?? [])].sort(),
  authorId: article.authorId,
  createdAt: article.createdAt,
  updatedAt: article.updatedAt,
});

/**
 * Orders strings as OpenSearch orders keyword terms (UTF-8 bytes, which is code point order), not
 * as `<` does (UTF-16 code units, which puts an emoji before U+E000–U+FFFF).
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x - y;
    if (x > 0xffff) i++; // both hold the same surrogate pair
  }
  return a.length - b.length;
}

/** Newest first; ties (same millisecond) broken by id so pages never overlap. */
export const newestFirst = (
  a: Pick<SearchDocument, 'createdAt' | 'id'>,
  b: Pick<SearchDocument, 'createdAt' | 'id'>,
): number =>
  a.createdAt === b.createdAt ? compareCodePoints(b.id, a.id) : a.createdAt < b.createdAt ? 1 : -1;

/** The version of a document: its `updatedAt` in epoch milliseconds; a newer one replaces an older. */
export const documentVersion = (document: SearchDocument): number => Date.parse(document.updatedAt);
