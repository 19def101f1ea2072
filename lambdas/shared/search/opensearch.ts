/**
 * The OpenSearch adapter. Readers and writers address an alias (`articles` unless OPENSEARCH_INDEX
 * says otherwise); the concrete index behind it has an explicit mapping, created on the first write
 * and swapped atomically by a rebuild, so the index never falls back to dynamic mapping.
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
 * A write that OpenSearch refuses for now (429, 5xx) or that cannot reach it fails with
 * SearchUnavailableError, which the event workflow retries; every other failure is thrown as is.
 */
import type { API, Client } from '@opensearch-project/opensearch';
import {
  type ArticlePage,
  type ArticleSearch,
  type ListQuery,
  MAX_TAGS,
  type SearchDocument,
  SearchUnavailableError,
} from './article-search.ts';

/** The client methods the adapter calls (unit tests substitute a recording fake). */
export type SearchClient = Pick<Client, 'index' | 'delete' | 'search' | 'bulk' | 'indices'>;

/** Default `index.max_result_window`: from + size of a search may not exceed it. */
const MAX_RESULT_WINDOW = 10_000;

/** The concrete index: one shard; replicas as the domain has nodes to hold them (a replica needs a node of its own). */
const indexDefinition = (replicas: number) =>
  ({
    settings: { number_of_shards: 1, number_of_replicas: replicas },
    mappings: {
      dynamic: 'strict',
      properties: {
        id: { type: 'keyword' },
        tagList: { type: 'keyword' },
        createdAt: { type: 'date', format: 'strict_date_optional_time' },
        updatedAt: { type: 'date', format: 'strict_date_optional_time' },
        deleted: { type: 'boolean' },
      },
    },
  }) as const;

/** Outranks the version of every upsert (epoch milliseconds of `updatedAt`). */
const TOMBSTONE_VERSION = Number.MAX_SAFE_INTEGER;

const notRemoved = { term: { deleted: true } };

/** Live documents, with a tag when given. */
const liveDocuments = (tag?: string) => ({
  bool: { filter: tag === undefined ? [] : [{ term: { tagList: tag } }], must_not: [notRemoved] },
});

/** Documents per request when reading them all. */
const DOCUMENTS_PAGE_SIZE = 1_000;

/** The search body of a list page: newest first, ids only, exact total. */
function listQuery({ tag, limit, offset }: ListQuery): API.Search_RequestBody {
  // Pages past the result window cannot be fetched with from/size; they come back empty.
  const from = Math.min(offset, MAX_RESULT_WINDOW);
  return {
    query: liveDocuments(tag),
    sort: [{ createdAt: { order: 'desc' } }, { id: { order: 'desc' } }],
    from,
    size: Math.max(0, Math.min(limit, MAX_RESULT_WINDOW - from)),
    track_total_hits: true,
    _source: false,
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

/** External versioning on updatedAt: a stale or redelivered write never overwrites a newer one. */
const documentVersion = (document: SearchDocument): number => Date.parse(document.updatedAt);

const statusOf = (error: unknown): number | undefined =>
  (error as { meta?: { statusCode?: number } }).meta?.statusCode;

const errorType = (error: unknown): string | undefined =>
  (error as { meta?: { body?: { error?: { type?: string } } } }).meta?.body?.error?.type;

/** The client's errors for a request that never got an answer (after its own retries). */
const UNREACHABLE = new Set(['ConnectionError', 'TimeoutError', 'NoLivingConnectionsError']);

/** A refusal for now (throttled, overloaded, unreachable) becomes SearchUnavailableError. */
function classified(error: unknown): unknown {
  const status = statusOf(error);
  const name = error instanceof Error ? error.name : undefined;
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
      if (statusOf(error) !== 409) throw classified(error); // 409: a newer version is indexed already
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
      throw classified(error);
    }
  }

  async list(query: ListQuery): Promise<ArticlePage> {
    try {
      const { body } = await this.client.search({ index: this.alias, body: listQuery(query) });
      const total = body.hits.total;
      return {
        ids: body.hits.hits.map((hit) => String(hit._id)),
        total: typeof total === 'number' ? total : (total?.value ?? 0),
      };
    } catch (error) {
      if (errorType(error) === 'index_not_found_exception') return { ids: [], total: 0 };
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
   * Fills a new index, then moves the alias to it and deletes the old one in one atomic alias
   * update. Writes that land on the old index while the rebuild runs are lost with it: rebuild
   * when no writes are expected, or rebuild again.
   */
  async rebuild(batches: AsyncIterable<readonly SearchDocument[]>): Promise<number> {
    const target = `${this.alias}-${Date.now()}`;
    await this.client.indices.create({ index: target, body: this.indexDefinition() });
    let count = 0;
    try {
      for await (const batch of batches) {
        if (!batch.length) continue;
        const { body } = await this.client.bulk({
          body: batch.flatMap((document) => [
            {
              index: {
                _index: target,
                _id: document.id,
                version: documentVersion(document),
                version_type: 'external_gte',
              },
            },
            { ...document },
          ]),
        });
        if (body.errors) {
          const failed = body.items.find((item) => item.index?.error)?.index;
          throw new Error(`Bulk indexing into ${target} failed: ${JSON.stringify(failed?.error)}`);
        }
        count += batch.length;
      }
      await this.client.indices.refresh({ index: target });
      const previous = await this.indicesBehindAlias();
      await this.client.indices.updateAliases({
        body: {
          actions: [
            { add: { index: target, alias: this.alias } },
            ...previous.map((index) => ({ remove_index: { index } })),
          ],
        },
      });
    } catch (error) {
      await this.client.indices.delete({ index: target }).catch(() => undefined);
      throw error;
    }
    this.indexReady = Promise.resolve();
    return count;
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

  /** Creates the first index behind the alias, once per process; racing creators both succeed. */
  private ensureIndex(): Promise<void> {
    this.indexReady ??= (async () => {
      const { body: exists } = await this.client.indices.exists({ index: this.alias });
      if (exists) return;
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
