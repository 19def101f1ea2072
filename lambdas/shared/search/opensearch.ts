/**
 * The OpenSearch adapter. Readers and writers address an alias (`articles` unless OPENSEARCH_INDEX
 * says otherwise); the concrete index behind it has an explicit mapping, created on the first write
 * and swapped atomically by a rebuild, so the index never falls back to dynamic mapping. The first
 * write of each process also puts the fields added since the first mapping (full text, `authorId`)
 * into the mapping of an index created before they existed (a put-mapping that only adds fields;
 * docs/deploy.md), so new documents are not refused.
 *
 * Writes wait for a refresh (`refresh: wait_for`): when the event workflow that wrote a document
 * finishes, lists and tags already show it.
 *
 * Events arrive out of order, so every write is versioned externally: an upsert carries its
 * article's `updatedAt` (strictly increasing per article), and a removal writes a tombstone document
 * with the highest version, which no upsert can replace. A real delete would not do: OpenSearch
 * forgets a deleted document's version after `index.gc_deletes` (60 s), after which a late upsert
 * would bring the article back. Every read filters tombstones out; a rebuild drops them.
 *
 * A write that OpenSearch refuses for now (429, 5xx), that cannot reach it, or that meets an index
 * a rebuild is retiring (write-blocked or just deleted) fails with SearchUnavailableError, which the
 * event workflow retries; a document the mapping refuses fails with SearchDocumentRejectedError;
 * every other failure is thrown as is.
 */
import type { API, Client } from '@opensearch-project/opensearch';
import {
  type ArticlePage,
  type ArticleSearch,
  documentVersion,
  type ListQuery,
  MAX_RESULT_WINDOW,
  MAX_TAGS,
  SEARCH_FIELD_BOOSTS,
  type SearchDocument,
  SearchDocumentRejectedError,
  type SearchHit,
  SearchUnavailableError,
} from './article-search.ts';

/** The client methods the adapter calls (unit tests substitute a recording fake). */
export type SearchClient = Pick<Client, 'index' | 'delete' | 'search' | 'bulk' | 'indices'>;

/** The full-text fields (standard analyzer): `q` searches them, and tags as words besides as keywords. */
const textProperties = {
  title: { type: 'text' },
  description: { type: 'text' },
  body: { type: 'text' },
  tagList: { type: 'keyword', fields: { text: { type: 'text' } } },
} as const;

/** Fields added to the mapping after the first one: put into an older index on the first write. */
const addedProperties = { ...textProperties, authorId: { type: 'keyword' } } as const;

/** The concrete index: one shard; replicas as the domain has nodes to hold them (a replica needs a node of its own). */
const indexDefinition = (replicas: number) =>
  ({
    settings: { number_of_shards: 1, number_of_replicas: replicas },
    mappings: {
      dynamic: 'strict',
      properties: {
        id: { type: 'keyword' },
        ...addedProperties,
        createdAt: { type: 'date', format: 'strict_date_optional_time' },
        updatedAt: { type: 'date', format: 'strict_date_optional_time' },
        deleted: { type: 'boolean' },
      },
    },
  }) as const;

/** Outranks the version of every upsert (epoch milliseconds of `updatedAt`). */
const TOMBSTONE_VERSION = Number.MAX_SAFE_INTEGER;

const notRemoved = { term: { deleted: true } };

/** Live documents, with a tag, by an author and among candidate ids when given. */
const liveDocuments = ({ tag, authorId, ids }: Pick<ListQuery, 'tag' | 'authorId' | 'ids'> = {}) => ({
  bool: {
    filter: [
      ...(tag === undefined ? [] : [{ term: { tagList: tag } }]),
      ...(authorId === undefined ? [] : [{ term: { authorId } }]),
      ...(ids === undefined ? [] : [{ terms: { id: [...ids] } }]),
    ],
    must_not: [notRemoved],
  },
});

/**
 * Any word of `q` in any text field, scores of the fields summed. `multi_match` analyzes `q` as
 * plain text: operators and special characters are words or separators, never query syntax.
 */
const textMatch = (q: string) => ({
  multi_match: {
    query: q,
    type: 'most_fields' as const,
    fields: Object.entries(SEARCH_FIELD_BOOSTS).map(
      ([field, boost]) => `${field === 'tagList' ? 'tagList.text' : field}^${boost}`,
    ),
  },
});

/** Documents per request when reading them all. */
const DOCUMENTS_PAGE_SIZE = 1_000;

/** The search body of a list page: newest first, ids only, exact total. */
function listQuery({
  q,
  tag,
  authorId,
  ids,
  after,
  withHits,
  limit,
  offset,
}: ListQuery): API.Search_RequestBody {
  const filtered = liveDocuments({ tag, authorId, ids });
  const sort: API.Search_RequestBody['sort'] = [
    ...(q === undefined ? [] : ['_score' as const]),
    { createdAt: { order: 'desc' } },
    { id: { order: 'desc' } },
  ];
  const common = {
    query: q === undefined ? filtered : { bool: { ...filtered.bool, must: [textMatch(q)] } },
    sort,
    track_total_hits: true,
    _source: withHits ? ['authorId'] : false,
  };
  // Keyset paging: search_after the sort values of the last hit, past the result window too.
  if (after) {
    const sortValues = [
      ...(q === undefined ? [] : [after.score ?? 0]),
      Date.parse(after.createdAt),
      after.id,
    ];
    return { ...common, search_after: sortValues, size: limit };
  }
  // Pages past the result window cannot be fetched with from/size; they come back empty.
  const from = Math.min(offset, MAX_RESULT_WINDOW);
  return { ...common, from, size: Math.max(0, Math.min(limit, MAX_RESULT_WINDOW - from)) };
}

/** A hit: where it sorts, from its sort values ([score,] createdAt in epoch milliseconds, id), and its author. */
function hitOf(sortValues: readonly unknown[], withScore: boolean, source: unknown): SearchHit {
  const [score, createdAt, id] = withScore ? sortValues : [undefined, ...sortValues];
  const authorId = (source as { authorId?: unknown } | undefined)?.authorId;
  return {
    ...(withScore ? { score: Number(score) } : {}),
    createdAt: new Date(Number(createdAt)).toISOString(),
    id: String(id),
    ...(typeof authorId === 'string' ? { authorId } : {}),
  };
}

// Not typed as Search_RequestBody: the client's generated types lack the `field` of a terms aggregation.
const tagsQuery = {
  size: 0,
  query: liveDocuments(),
  aggs: {
    tags: {
      terms: {
        field: 'tagList',
        size: MAX_TAGS,
        order: [{ _count: 'desc' }, { _key: 'asc' }] as Record<string, 'asc' | 'desc'>[],
      },
    },
  },
};

const statusOf = (error: unknown): number | undefined =>
  (error as { meta?: { statusCode?: number } }).meta?.statusCode;

const errorType = (error: unknown): string | undefined =>
  (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;

const errorReason = (error: unknown): string | undefined =>
  (error as { meta?: { body?: { error?: { reason?: string } } } }).meta?.body?.error?.reason;

/** What OpenSearch answers (400) for a document its mapping refuses. */
const REJECTED = new Set(['strict_dynamic_mapping_exception', 'mapper_parsing_exception']);

/**
 * What a write meets when a rebuild retires the index the alias pointed at as the write was routed:
 * the write block, then the deletion. Through the alias again it reaches the new index.
 */
const RETIRED_INDEX = new Set(['cluster_block_exception', 'index_not_found_exception']);

/** The client's errors for a request that never got an answer (after its own retries). */
const UNREACHABLE = new Set(['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError']);

/**
 * A refusal for now (throttled, overloaded, unreachable, a retired index) becomes
 * SearchUnavailableError, a refused document SearchDocumentRejectedError.
 */
function classified(error: unknown, documentId: string): unknown {
  const status = statusOf(error);
  const name = error instanceof Error ? error.name : undefined;
  const type = errorType(error);
  if (type && REJECTED.has(type)) {
    return new SearchDocumentRejectedError(documentId, `${type}: ${errorReason(error)}`, { cause: error });
  }
  if (type && RETIRED_INDEX.has(type)) {
    return new SearchUnavailableError(`the index is being replaced by a rebuild (${type})`, { cause: error });
  }
  if (status === 429 || (status !== undefined && status >= 500)) {
    return new SearchUnavailableError(`OpenSearch answered ${status} (${errorType(error) ?? name})`, {
      cause: error,
    });
  }
  if (name && UNREACHABLE.has(name)) {
    return new SearchUnavailableError(
      `OpenSearch could not be reached (${name}: ${(error as Error).message})`,
      {
        cause: error,
      },
    );
  }
  return error;
}

export class OpenSearchArticleSearch implements ArticleSearch {
  private indexReady: Promise<void> | undefined;

  constructor(
    private readonly client: SearchClient,
    /** The alias every read and write goes through. */
    private readonly alias: string,
    /**
     * Replicas of a new index: 0 on a one-node domain, where a replica could never be assigned.
     * Unknown (undefined) is enough to read and write, not to create an index.
     */
    private readonly replicas: number | undefined,
  ) {}

  private indexDefinition() {
    if (this.replicas === undefined) {
      throw new Error(`Creating an index behind ${this.alias} needs its replica count (OPENSEARCH_REPLICAS)`);
    }
    return indexDefinition(this.replicas);
  }

  async upsert(document: SearchDocument): Promise<void> {
    try {
      await this.ensureIndex();
      await this.client.index({
        index: this.alias,
        id: document.id,
        body: { ...document },
        version: documentVersion(document),
        version_type: 'external_gte',
        refresh: 'wait_for',
      });
    } catch (error) {
      // 409: a newer version is indexed already
      if (statusOf(error) !== 409) throw classified(error, document.id);
    }
  }

  async remove(articleId: string): Promise<void> {
    try {
      await this.ensureIndex();
      await this.client.index({
        index: this.alias,
        id: articleId,
        body: { id: articleId, deleted: true },
        version: TOMBSTONE_VERSION,
        version_type: 'external_gte',
        refresh: 'wait_for',
      });
    } catch (error) {
      throw classified(error, articleId);
    }
  }

  async list(query: ListQuery): Promise<ArticlePage> {
    try {
      const { body } = await this.client.search({ index: this.alias, body: listQuery(query) });
      const total = body.hits.total;
      return {
        ids: body.hits.hits.map((hit) => String(hit._id)),
        total: typeof total === 'number' ? total : (total?.value ?? 0),
        ...(query.withHits
          ? { hits: body.hits.hits.map((hit) => hitOf(hit.sort ?? [], query.q !== undefined, hit._source)) }
          : {}),
      };
    } catch (error) {
      if (errorType(error) === 'index_not_found_exception') {
        return { ids: [], total: 0, ...(query.withHits ? { hits: [] } : {}) };
      }
      throw error;
    }
  }

  async tags(): Promise<string[]> {
    try {
      const { body } = await this.client.search({ index: this.alias, body: tagsQuery });
      const aggregation = body.aggregations?.tags as { buckets?: { key: string }[] } | undefined;
      return (aggregation?.buckets ?? []).map((bucket) => String(bucket.key));
    } catch (error) {
      if (errorType(error) === 'index_not_found_exception') return [];
      throw error;
    }
  }

  async *documents(): AsyncIterable<readonly SearchDocument[]> {
    let after: unknown[] | undefined;
    for (;;) {
      let hits: { _source?: unknown; sort?: unknown[] }[];
      try {
        const { body } = await this.client.search({
          index: this.alias,
          body: {
            query: liveDocuments(),
            sort: [{ id: { order: 'asc' } }],
            size: DOCUMENTS_PAGE_SIZE,
            ...(after ? { search_after: after as string[] } : {}),
          },
        });
        hits = body.hits.hits;
      } catch (error) {
        if (errorType(error) === 'index_not_found_exception') return;
        throw error;
      }
      if (!hits.length) return;
      yield hits.map((hit) => hit._source as unknown as SearchDocument);
      after = hits[hits.length - 1]?.sort;
      if (hits.length < DOCUMENTS_PAGE_SIZE) return;
    }
  }

  /**
   * Fills a new index from the batches and moves the alias to it in one atomic alias update. Writes
   * through the alias land in the old index until then, so the old index is then write-blocked (a
   * write still routed to it fails with SearchUnavailableError, and its workflow's retry reaches the
   * new index) and everything it took after the rebuild began (its sequence numbers tell) is copied
   * over with its version, where versioning decides against what the rebuild indexed; then it is
   * deleted. Readers may miss those writes for the moment the copy takes, never after it.
   */
  async rebuild(batches: AsyncIterable<readonly SearchDocument[]>): Promise<number> {
    const target = `${this.alias}-${Date.now()}`;
    const seenBefore = new Map<string, number>();
    for (const index of await this.indicesBehindAlias()) seenBefore.set(index, await this.maxSeqNo(index));
    await this.client.indices.create({ index: target, body: this.indexDefinition() });
    let count = 0;
    let previous: string[];
    try {
      for await (const batch of batches) {
        await this.bulkIndex(
          target,
          batch.map((document) => ({
            id: document.id,
            version: documentVersion(document),
            source: document,
          })),
        );
        count += batch.length;
      }
      await this.client.indices.refresh({ index: target });
      previous = await this.indicesBehindAlias();
      await this.client.indices.updateAliases({
        body: {
          actions: [
            { add: { index: target, alias: this.alias } },
            ...previous.map((index) => ({ remove: { index, alias: this.alias } })),
          ],
        },
      });
    } catch (error) {
      await this.client.indices.delete({ index: target }).catch(() => undefined);
      throw error;
    }
    this.indexReady = Promise.resolve();
    for (const index of previous) {
      await this.client.indices.putSettings({ index, body: { 'index.blocks.write': true } });
      await this.copyWritesSince(index, seenBefore.get(index) ?? -1, target);
      await this.client.indices.delete({ index });
    }
    await this.client.indices.refresh({ index: target });
    return count;
  }

  /** Indexes documents with their versions; one that a newer version already replaced is skipped. */
  private async bulkIndex(
    index: string,
    entries: readonly { id: string; version: number; source: object }[],
  ): Promise<void> {
    if (!entries.length) return;
    const { body } = await this.client.bulk({
      body: entries.flatMap(({ id, version, source }) => [
        { index: { _index: index, _id: id, version, version_type: 'external_gte' } },
        { ...source },
      ]),
    });
    const failed = body.items.find((item) => item.index?.error && item.index.status !== 409)?.index;
    if (failed) throw new Error(`Bulk indexing into ${index} failed: ${JSON.stringify(failed.error)}`);
  }

  /** The highest sequence number a search of the index sees (-1 when empty). */
  private async maxSeqNo(index: string): Promise<number> {
    const { body } = await this.client.search({
      index,
      body: { size: 1, sort: [{ _seq_no: { order: 'desc' } }], seq_no_primary_term: true, _source: false },
    });
    return body.hits.hits[0]?._seq_no ?? -1;
  }

  /** Copies every document of `source` written after sequence number `after`, tombstones included. */
  private async copyWritesSince(source: string, after: number, target: string): Promise<void> {
    await this.client.indices.refresh({ index: source });
    let searchAfter: number[] = [after];
    for (;;) {
      const { body } = await this.client.search({
        index: source,
        body: {
          query: { range: { _seq_no: { gt: after } } },
          sort: [{ _seq_no: { order: 'asc' } }],
          search_after: searchAfter,
          size: DOCUMENTS_PAGE_SIZE,
          version: true,
        },
      });
      const hits = body.hits.hits;
      await this.bulkIndex(
        target,
        hits.map((hit) => ({
          id: String(hit._id),
          version: Number(hit._version),
          source: hit._source ?? {},
        })),
      );
      const last = hits.at(-1)?.sort;
      if (hits.length < DOCUMENTS_PAGE_SIZE || !last) return;
      searchAfter = last as number[];
    }
  }

  private async indicesBehindAlias(): Promise<string[]> {
    try {
      const { body } = await this.client.indices.getAlias({ name: this.alias });
      return Object.keys(body);
    } catch (error) {
      if (statusOf(error) === 404) return [];
      throw error;
    }
  }

  /**
   * Creates the first index behind the alias, once per process; racing creators both succeed. An
   * existing one gets the fields added since the first mapping (a no-op once it has them).
   */
  private ensureIndex(): Promise<void> {
    this.indexReady ??= (async () => {
      const { body: exists } = await this.client.indices.exists({ index: this.alias });
      if (exists) {
        await this.client.indices.putMapping({ index: this.alias, body: { properties: addedProperties } });
        return;
      }
      try {
        await this.client.indices.create({
          index: `${this.alias}-initial`,
          body: { ...this.indexDefinition(), aliases: { [this.alias]: {} } },
        });
      } catch (error) {
        if (errorType(error) !== 'resource_already_exists_exception') throw error;
      }
    })().catch((error: unknown) => {
      this.indexReady = undefined;
      throw error;
    });
    return this.indexReady;
  }
}
