/**
 * The embedded search engine of the local runtime: an in-process index, one per process
 * (`embeddedArticleSearch`), shared by every handler module the runtime loads and rebuilt from
 * DynamoDB at start. Same contract as the OpenSearch adapter (test/unit/search-contract.test.ts),
 * including what a real OpenSearch decides there: the mapping's strictness, the result window, and
 * keyword order (code points) for the tags' tie-break.
 *
 * Full-text search (`q`) is MiniSearch's (BM25, as OpenSearch scores), with words split and
 * lowercased as OpenSearch's standard analyzer does (`words`). MiniSearch serves only `q`: the list
 * without it and the tags stay on the plain sorted array and counts, because MiniSearch neither sorts
 * by a field nor aggregates, and matches no exact keyword, so it would add an index pass and nothing
 * else to those.
 */
import MiniSearch from 'minisearch';
import {
  type ArticlePage,
  type ArticleSearch,
  compareCodePoints,
  documentVersion,
  type ListQuery,
  MAX_RESULT_WINDOW,
  MAX_TAGS,
  newestFirst,
  SEARCH_FIELD_BOOSTS,
  type SearchDocument,
  SearchDocumentRejectedError,
  type SearchHit,
  type SearchPosition,
} from './article-search.ts';

const PAGE_SIZE = 500;

/** The fields of the OpenSearch mapping (opensearch.ts), which is strict: no other field is indexed. */
const FIELDS = new Set([
  'id',
  'title',
  'description',
  'body',
  'tagList',
  'authorId',
  'createdAt',
  'updatedAt',
]);

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

/** CJK ideographs and hiragana are one word per character in the standard analyzer (UAX #29). */
const WORD =
  /[\p{Script=Han}\p{Script=Hiragana}]|(?:(?![\p{Script=Han}\p{Script=Hiragana}])[\p{L}\p{M}\p{N}_])+/gu;

/**
 * The words of a text as OpenSearch's standard analyzer finds them: runs of letters, digits and
 * marks, every other character a separator (so operators and punctuation are never syntax), each
 * lowercased one code point at a time as Lucene does (no final sigma).
 */
const words = (text: string): string[] =>
  (text.match(WORD) ?? []).map((word) => Array.from(word, (char) => char.toLowerCase()).join(''));

const newTextIndex = () =>
  new MiniSearch<SearchDocument>({
    fields: Object.keys(SEARCH_FIELD_BOOSTS),
    extractField: (document, field) =>
      field === 'tagList' ? document.tagList.join(' ') : document[field as keyof SearchDocument],
    tokenize: words,
    processTerm: (term) => term,
    searchOptions: { boost: { ...SEARCH_FIELD_BOOSTS }, combineWith: 'OR', prefix: false, fuzzy: false },
  });

/** The order of hits: score first when there is one (highest first), then newest first. */
const hitOrder = (a: SearchPosition, b: SearchPosition): number =>
  (b.score ?? 0) - (a.score ?? 0) || newestFirst(a, b);

/** The index of the first hit that sorts after `after` (the length when none does). */
function firstAfter(hits: readonly SearchPosition[], after: SearchPosition): number {
  const index = hits.findIndex((hit) => hitOrder(hit, after) > 0);
  return index === -1 ? hits.length : index;
}

export class EmbeddedArticleSearch implements ArticleSearch {
  private documentsById = new Map<string, SearchDocument>();
  /** The `q` index over the same documents. */
  private textIndex = newTextIndex();
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
    const copy = { ...document, tagList: [...document.tagList] };
    this.documentsById.set(document.id, copy);
    // remove(), not replace() or discard(): those defer the clean-up, and the next search's scores still count the old copy
    if (indexed) this.textIndex.remove(indexed);
    this.textIndex.add(copy);
    this.upsertedDuringRebuild?.add(document.id);
    this.sorted = undefined;
  }

  async remove(articleId: string): Promise<void> {
    this.tombstones.add(articleId);
    const indexed = this.documentsById.get(articleId);
    if (!indexed) return;
    this.documentsById.delete(articleId);
    this.textIndex.remove(indexed);
    this.sorted = undefined;
  }

  async list({ q, tag, authorId, ids, after, withHits, limit, offset }: ListQuery): Promise<ArticlePage> {
    const candidates = ids && new Set(ids);
    const wanted = (doc: SearchDocument) =>
      (tag === undefined || doc.tagList.includes(tag)) &&
      (authorId === undefined || doc.authorId === authorId) &&
      (!candidates || candidates.has(doc.id));
    const matches: SearchHit[] =
      q === undefined ? this.newestFirst().filter(wanted) : this.mostRelevantFirst(q, wanted);
    const start = after ? firstAfter(matches, after) : offset;
    const end = after ? start + limit : Math.min(offset + limit, MAX_RESULT_WINDOW);
    const page = matches.slice(start, end).map(({ score, createdAt, id, authorId }) => ({
      ...(score === undefined ? {} : { score }),
      createdAt,
      id,
      ...(authorId === undefined ? {} : { authorId }),
    }));
    return { ids: page.map((hit) => hit.id), total: matches.length, ...(withHits ? { hits: page } : {}) };
  }

  private newestFirst(): SearchDocument[] {
    this.sorted ??= [...this.documentsById.values()].sort(newestFirst);
    return this.sorted;
  }

  /** Matches of `q` with their scores, highest score first, ties newest first. */
  private mostRelevantFirst(q: string, wanted: (doc: SearchDocument) => boolean): SearchHit[] {
    return this.textIndex
      .search(q)
      .flatMap(({ id, score }) => {
        const doc = this.documentsById.get(id);
        return doc && wanted(doc)
          ? [{ score, createdAt: doc.createdAt, id: doc.id, authorId: doc.authorId }]
          : [];
      })
      .sort(hitOrder);
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
    this.textIndex = newTextIndex();
    this.textIndex.addAll([...rebuilt.values()]);
    this.sorted = undefined;
    return count;
  }
}

/** The process-wide index of the local runtime. */
export const embeddedArticleSearch = new EmbeddedArticleSearch();
