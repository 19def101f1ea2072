/** The exact requests the OpenSearch adapter sends (the client is a recording fake here only). */
import { describe, expect, it } from '@jest/globals';
import {
  SearchDocumentRejectedError,
  SearchUnavailableError,
} from '../../lambdas/shared/search/article-search.ts';
import { OpenSearchArticleSearch, type SearchClient } from '../../lambdas/shared/search/opensearch.ts';

type Call = [method: string, params: unknown];
type Reply = (params: unknown) => unknown;

/** Records every call; a reply may return a body or throw an error shaped like the client's. */
function fakeClient(replies: Record<string, Reply> = {}) {
  const calls: Call[] = [];
  const method =
    (name: string) =>
    async (params: unknown): Promise<{ body: unknown }> => {
      calls.push([name, params]);
      return { body: (replies[name] ?? (() => ({})))(params) };
    };
  const client = {
    index: method('index'),
    delete: method('delete'),
    search: method('search'),
    bulk: method('bulk'),
    indices: {
      exists: method('indices.exists'),
      putMapping: method('indices.putMapping'),
      create: method('indices.create'),
      refresh: method('indices.refresh'),
      getAlias: method('indices.getAlias'),
      updateAliases: method('indices.updateAliases'),
      putSettings: method('indices.putSettings'),
      delete: method('indices.delete'),
    },
  };
  return { client: client as unknown as SearchClient, calls };
}

const responseError = (statusCode: number, type: string, reason = '') =>
  Object.assign(new Error(type), { meta: { statusCode, body: { error: { type, reason } } } });

const textProperties = {
  title: { type: 'text' },
  description: { type: 'text' },
  body: { type: 'text' },
  tagList: { type: 'keyword', fields: { text: { type: 'text' } } },
};

const addedProperties = { ...textProperties, authorId: { type: 'keyword' } };

const mapping = {
  settings: { number_of_shards: 1, number_of_replicas: 0 },
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
};

const liveOnly = { must_not: [{ term: { deleted: true } }] };

const document = {
  id: 'a1',
  title: 'How to train your dragon',
  description: 'Ever wonder how?',
  body: 'Very carefully.',
  tagList: ['dragons', 'training'],
  authorId: 'author-1',
  createdAt: '2026-01-02T03:04:05.678Z',
  updatedAt: '2026-01-02T03:04:06.789Z',
};

describe('OpenSearchArticleSearch', () => {
  it('lists a page newest first by tag: term filter on the keyword field, exact total, ids only', async () => {
    const { client, calls } = fakeClient({
      search: () => ({ hits: { total: { value: 7, relation: 'eq' }, hits: [{ _id: 'b' }, { _id: 'a' }] } }),
    });
    const page = await new OpenSearchArticleSearch(client, 'articles', 0).list({
      tag: 'dragons',
      limit: 2,
      offset: 4,
    });
    expect(page).toEqual({ ids: ['b', 'a'], total: 7 });
    expect(calls).toEqual([
      [
        'search',
        {
          index: 'articles',
          body: {
            query: { bool: { filter: [{ term: { tagList: 'dragons' } }], ...liveOnly } },
            sort: [{ createdAt: { order: 'desc' } }, { id: { order: 'desc' } }],
            from: 4,
            size: 2,
            track_total_hits: true,
            _source: false,
          },
        },
      ],
    ]);
  });

  it('lists every live article when there is no tag', async () => {
    const { client, calls } = fakeClient({ search: () => ({ hits: { total: { value: 0 }, hits: [] } }) });
    await new OpenSearchArticleSearch(client, 'articles', 0).list({ limit: 20, offset: 0 });
    expect(calls[0]?.[1]).toMatchObject({
      body: { query: { bool: { filter: [], ...liveOnly } }, from: 0, size: 20 },
    });
  });

  it('searches q as plain text in every text field, among candidate ids, by score then newest first', async () => {
    const { client, calls } = fakeClient({ search: () => ({ hits: { total: { value: 0 }, hits: [] } }) });
    await new OpenSearchArticleSearch(client, 'articles', 0).list({
      q: 'dragon AND "fire" || -ice*',
      tag: 'dragons',
      ids: ['a', 'b'],
      limit: 10,
      offset: 0,
    });
    expect(calls[0]?.[1]).toMatchObject({
      body: {
        query: {
          bool: {
            filter: [{ term: { tagList: 'dragons' } }, { terms: { id: ['a', 'b'] } }],
            must: [
              {
                multi_match: {
                  query: 'dragon AND "fire" || -ice*',
                  type: 'most_fields',
                  fields: ['title^3', 'tagList.text^2', 'description^2', 'body^1'],
                },
              },
            ],
            ...liveOnly,
          },
        },
        sort: ['_score', { createdAt: { order: 'desc' } }, { id: { order: 'desc' } }],
      },
    });
  });

  it('keeps from + size within the result window', async () => {
    const { client, calls } = fakeClient({ search: () => ({ hits: { total: { value: 20000 }, hits: [] } }) });
    const search = new OpenSearchArticleSearch(client, 'articles', 0);
    await search.list({ limit: 20, offset: 9990 });
    await search.list({ limit: 20, offset: 15000 });
    expect(
      calls.map(([, params]) => (params as { body: { from: number; size: number } }).body),
    ).toMatchObject([
      { from: 9990, size: 10 },
      { from: 10000, size: 0 },
    ]);
  });

  it('treats a missing index as empty', async () => {
    const { client } = fakeClient({
      search: () => {
        throw responseError(404, 'index_not_found_exception');
      },
    });
    const search = new OpenSearchArticleSearch(client, 'articles', 0);
    expect(await search.list({ limit: 20, offset: 0 })).toEqual({ ids: [], total: 0 });
    expect(await search.tags()).toEqual([]);
  });

  it('reads tags from a terms aggregation, most used first then alphabetical', async () => {
    const { client, calls } = fakeClient({
      search: () => ({
        aggregations: {
          tags: {
            buckets: [
              { key: 'c', doc_count: 3 },
              { key: 'a', doc_count: 1 },
            ],
          },
        },
      }),
    });
    expect(await new OpenSearchArticleSearch(client, 'articles', 0).tags()).toEqual(['c', 'a']);
    expect(calls).toEqual([
      [
        'search',
        {
          index: 'articles',
          body: {
            size: 0,
            query: { bool: { filter: [], ...liveOnly } },
            aggs: {
              tags: {
                terms: { field: 'tagList', size: 10000, order: [{ _count: 'desc' }, { _key: 'asc' }] },
              },
            },
          },
        },
      ],
    ]);
  });

  it('creates the mapped index behind the alias before the first write, once', async () => {
    const { client, calls } = fakeClient({ 'indices.exists': () => false });
    const search = new OpenSearchArticleSearch(client, 'articles', 0);
    await search.upsert(document);
    await search.upsert(document);
    expect(calls.slice(0, 3)).toEqual([
      ['indices.exists', { index: 'articles' }],
      ['indices.create', { index: 'articles-initial', body: { ...mapping, aliases: { articles: {} } } }],
      [
        'index',
        {
          index: 'articles',
          id: 'a1',
          body: document,
          version: Date.parse(document.updatedAt),
          version_type: 'external_gte',
          refresh: 'wait_for',
        },
      ],
    ]);
    expect(calls.map(([method]) => method)).toEqual(['indices.exists', 'indices.create', 'index', 'index']);
  });

  it('accepts losing the race to create the index, and ignores a stale write (409)', async () => {
    const { client, calls } = fakeClient({
      'indices.exists': () => false,
      'indices.create': () => {
        throw responseError(400, 'resource_already_exists_exception');
      },
      index: () => {
        throw responseError(409, 'version_conflict_engine_exception');
      },
    });
    await new OpenSearchArticleSearch(client, 'articles', 0).upsert(document);
    expect(calls.map(([method]) => method)).toEqual(['indices.exists', 'indices.create', 'index']);
  });

  it('gives a new index the replicas it is configured with (a one-node domain: none)', async () => {
    for (const replicas of [0, 1]) {
      const { client, calls } = fakeClient({ 'indices.exists': () => false });
      await new OpenSearchArticleSearch(client, 'articles', replicas).upsert(document);
      await new OpenSearchArticleSearch(client, 'articles', replicas).rebuild((async function* () {})());
      const created = calls
        .filter(([method]) => method === 'indices.create')
        .map(([, params]) => (params as { body: { settings: unknown } }).body.settings);
      expect(created).toEqual([
        { number_of_shards: 1, number_of_replicas: replicas },
        { number_of_shards: 1, number_of_replicas: replicas },
      ]);
    }
  });

  it('writes to an existing index without knowing the replicas, but creates none without them', async () => {
    const existing = fakeClient({ 'indices.exists': () => true });
    await new OpenSearchArticleSearch(existing.client, 'articles', undefined).upsert(document);
    expect(existing.calls.slice(0, 2)).toEqual([
      ['indices.exists', { index: 'articles' }],
      ['indices.putMapping', { index: 'articles', body: { properties: addedProperties } }],
    ]);
    expect(existing.calls.map(([method]) => method)).toEqual([
      'indices.exists',
      'indices.putMapping',
      'index',
    ]);
    const missing = fakeClient({ 'indices.exists': () => false });
    await expect(
      new OpenSearchArticleSearch(missing.client, 'articles', undefined).upsert(document),
    ).rejects.toThrow('needs its replica count (OPENSEARCH_REPLICAS)');
    expect(missing.calls.map(([method]) => method)).toEqual(['indices.exists']);
  });

  it('turns a document the mapping refuses into SearchDocumentRejectedError naming it and why', async () => {
    const { client } = fakeClient({
      'indices.exists': () => true,
      index: () => {
        throw responseError(400, 'strict_dynamic_mapping_exception', 'dynamic introduction of [title]');
      },
    });
    const failure = new OpenSearchArticleSearch(client, 'articles', 0).upsert(document);
    await expect(failure).rejects.toBeInstanceOf(SearchDocumentRejectedError);
    await expect(failure).rejects.toThrow(
      'search document a1 rejected: strict_dynamic_mapping_exception: dynamic introduction of [title]',
    );
  });

  it('retries (SearchUnavailableError) a write that met an index a rebuild retires', async () => {
    for (const [status, type] of [
      [403, 'cluster_block_exception'],
      [404, 'index_not_found_exception'],
    ] as const) {
      const { client } = fakeClient({
        'indices.exists': () => true,
        index: () => {
          throw responseError(status, type);
        },
      });
      await expect(new OpenSearchArticleSearch(client, 'articles', 0).remove('a1')).rejects.toBeInstanceOf(
        SearchUnavailableError,
      );
    }
  });

  it('surfaces other errors as they are (a bug, not worth a retry)', async () => {
    const { client } = fakeClient({
      'indices.exists': () => true,
      index: () => {
        throw responseError(400, 'illegal_argument_exception');
      },
    });
    const failure = new OpenSearchArticleSearch(client, 'articles', 0).upsert(document);
    await expect(failure).rejects.toThrow('illegal_argument_exception');
    await expect(failure).rejects.not.toBeInstanceOf(SearchUnavailableError);
  });

  it('removes by writing a tombstone with the highest version, which no later upsert replaces', async () => {
    const { client, calls } = fakeClient({ 'indices.exists': () => true });
    await new OpenSearchArticleSearch(client, 'articles', 0).remove('a1');
    expect(calls).toEqual([
      ['indices.exists', { index: 'articles' }],
      ['indices.putMapping', { index: 'articles', body: { properties: addedProperties } }],
      [
        'index',
        {
          index: 'articles',
          id: 'a1',
          body: { id: 'a1', deleted: true },
          version: Number.MAX_SAFE_INTEGER,
          version_type: 'external_gte',
          refresh: 'wait_for',
        },
      ],
    ]);
  });

  it('reads every live document in pages sorted by id, continuing with search_after', async () => {
    const page = (ids: string[]) => ({
      hits: { hits: ids.map((id) => ({ _id: id, _source: { ...document, id }, sort: [id] })) },
    });
    const replies = [
      page(Array.from({ length: 1000 }, (_, i) => `a${String(i).padStart(4, '0')}`)),
      page(['b']),
    ];
    const { client, calls } = fakeClient({ search: () => replies.shift() });
    const pages: string[][] = [];
    for await (const batch of new OpenSearchArticleSearch(client, 'articles', 0).documents()) {
      pages.push(batch.map((doc) => doc.id));
    }
    expect(pages.map((ids) => ids.length)).toEqual([1000, 1]);
    expect(calls[1]?.[1]).toMatchObject({
      body: { query: { bool: liveOnly }, sort: [{ id: { order: 'asc' } }], search_after: ['a0999'] },
    });
  });

  it('rebuilds into a new index, swaps the alias, then copies what the old index took meanwhile', async () => {
    const searches: unknown[] = [
      { hits: { hits: [{ _id: 'x', _seq_no: 41 }] } }, // the old index's last write before the rebuild
      { hits: { hits: [{ _id: 'b2', _version: 7, _source: { id: 'b2', deleted: true }, sort: [42] }] } },
    ];
    const { client, calls } = fakeClient({
      bulk: () => ({ errors: false, items: [] }),
      search: () => searches.shift(),
      'indices.getAlias': () => ({ 'articles-initial': { aliases: { articles: {} } } }),
    });
    async function* batches() {
      yield [document];
    }
    expect(await new OpenSearchArticleSearch(client, 'articles', 0).rebuild(batches())).toBe(1);
    const target = (calls[2]?.[1] as { index?: string } | undefined)?.index;
    expect(target).toMatch(/^articles-\d+$/);
    const old = 'articles-initial';
    const bulkOf = (id: string, version: number, source: object) => [
      'bulk',
      { body: [{ index: { _index: target, _id: id, version, version_type: 'external_gte' } }, source] },
    ];
    expect(calls).toEqual([
      ['indices.getAlias', { name: 'articles' }],
      [
        'search',
        {
          index: old,
          body: {
            size: 1,
            sort: [{ _seq_no: { order: 'desc' } }],
            seq_no_primary_term: true,
            _source: false,
          },
        },
      ],
      ['indices.create', { index: target, body: mapping }],
      bulkOf('a1', Date.parse(document.updatedAt), document),
      ['indices.refresh', { index: target }],
      ['indices.getAlias', { name: 'articles' }],
      [
        'indices.updateAliases',
        {
          body: {
            actions: [
              { add: { index: target, alias: 'articles' } },
              { remove: { index: old, alias: 'articles' } },
            ],
          },
        },
      ],
      ['indices.putSettings', { index: old, body: { 'index.blocks.write': true } }],
      ['indices.refresh', { index: old }],
      [
        'search',
        {
          index: old,
          body: {
            query: { range: { _seq_no: { gt: 41 } } },
            sort: [{ _seq_no: { order: 'asc' } }],
            search_after: [41],
            size: 1000,
            version: true,
          },
        },
      ],
      bulkOf('b2', 7, { id: 'b2', deleted: true }),
      ['indices.delete', { index: old }],
      ['indices.refresh', { index: target }],
    ]);
  });

  it('deletes the half-built index when a bulk request fails', async () => {
    const { client, calls } = fakeClient({
      bulk: () => ({ errors: true, items: [{ index: { error: { type: 'mapper_parsing_exception' } } }] }),
    });
    async function* batches() {
      yield [document];
    }
    await expect(new OpenSearchArticleSearch(client, 'articles', 0).rebuild(batches())).rejects.toThrow(
      'mapper_parsing_exception',
    );
    expect(calls.map(([method]) => method)).toEqual([
      'indices.getAlias',
      'indices.create',
      'bulk',
      'indices.delete',
    ]);
  });
});
