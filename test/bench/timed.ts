/**
 * The timed part: the main reads under load (load.ts) at each concurrency, and in the same run the
 * floors, raw DynamoDB Local GetItem calls and raw search calls at the same concurrency with the
 * same load generator, so each read gets an efficiency ratio: requests/s × (DynamoDB calls per
 * request ÷ raw DynamoDB calls/s + search calls per request ÷ raw search calls/s), the share of
 * the floors' capacity its requests use. Timings depend on the machine: quote them only from a
 * quiet one.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { usernameKey } from '../../lambdas/shared/keys.ts';
import type { ListQuery } from '../../lambdas/shared/search/article-search.ts';
import { articleSearch } from '../../lambdas/shared/search/configured.ts';
import { OpenSearchArticleSearch, type SearchClient } from '../../lambdas/shared/search/opensearch.ts';
import { ADMIN_PATH_PREFIX } from '../../local/admin.ts';
import type { Runtime } from '../../local/runtime.ts';
import { localSearchIndexName } from '../../local/search-index.ts';
import type { CountedRequest, Seeded } from './counted.ts';
import { type LoadResult, load } from './load.ts';

export interface TimedOptions {
  readonly connections: readonly number[];
  /** Measured requests per figure. */
  readonly amount: number;
  readonly pageSize: number;
}

export interface TimedRead {
  /** The counted request it is (counted.ts names), for its calls per request. */
  readonly name: string;
  readonly result: LoadResult;
  readonly dynamoDbCalls: number;
  readonly searchCalls: number;
  /** The raw search query its search calls are measured against. */
  readonly searchQuery: SearchQueryName;
  /**
   * requests/s × (DynamoDB calls ÷ raw GetItem/s + search calls ÷ raw search calls/s) at the same
   * concurrency.
   */
  readonly efficiency: number;
}

export type SearchQueryName = 'page' | 'tag page';

export interface SearchFloor {
  readonly query: SearchQueryName;
  readonly result: LoadResult;
}

export interface Timed {
  readonly floor: readonly LoadResult[];
  /** `embedded` or `OpenSearch`: the engine the raw search calls went to. */
  readonly searchEngine: string;
  readonly searchFloor: readonly SearchFloor[];
  readonly reads: readonly TimedRead[];
}

/**
 * DynamoDB Local checks that a request is signed, not the signature: one fixed header lets
 * autocannon send raw GetItem calls.
 */
const RAW_DYNAMODB_HEADERS = {
  'Content-Type': 'application/x-amz-json-1.0',
  'X-Amz-Target': 'DynamoDB_20120810.GetItem',
  Authorization:
    'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
};

/** A raw search call: to OpenSearch itself when configured, else the embedded engine's admin route. */
async function rawSearch(runtime: Runtime, query: ListQuery) {
  const openSearch = process.env.OPENSEARCH_URL;
  if (!openSearch) {
    const parameters = new URLSearchParams({ limit: String(query.limit), offset: String(query.offset) });
    if (query.tag !== undefined) parameters.set('tag', query.tag);
    return { url: `${runtime.url}${ADMIN_PATH_PREFIX}search/articles?${parameters}` };
  }
  // The body the adapter sends for this page, taken from a client that only records it.
  let body: unknown;
  const recorder = {
    search: async (request: { body: unknown }) => {
      body = request.body;
      return { body: { hits: { total: 0, hits: [] } } };
    },
  } as unknown as SearchClient;
  // The alias the runtime's own adapter reads.
  if (!((await articleSearch()) instanceof OpenSearchArticleSearch)) {
    throw new Error('OPENSEARCH_URL is set but the runtime does not search OpenSearch');
  }
  const alias = localSearchIndexName(runtime.tableNames.Articles);
  await new OpenSearchArticleSearch(recorder, alias, 0).list(query);
  return {
    url: `${openSearch}/${alias}/_search`,
    method: 'POST' as const,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  };
}

/** A floor with any failed call would make every ratio against it meaningless. */
function checkedFloor(name: string, result: LoadResult): LoadResult {
  if (result.non2xx > 0 || result.errors > 0 || !(result.requestsPerSecond > 0)) {
    throw new Error(
      `the ${name} floor failed: ${JSON.stringify(result.statuses)}, ${result.errors} errors (is it reachable?)`,
    );
  }
  return result;
}

export async function timeReads(
  runtime: Runtime,
  seeded: Seeded,
  counted: readonly CountedRequest[],
  options: TimedOptions,
  progress: (step: string) => void,
): Promise<Timed> {
  const { reader, author, tag } = seeded;
  const slug = seeded.slugs[0] ?? '';
  const signedIn = { Authorization: `Token ${reader.token}` };
  const page = `limit=${options.pageSize}&offset=0`;
  const reads: {
    name: string;
    path: string;
    headers?: Record<string, string>;
    searchQuery: SearchQueryName;
  }[] = [
    { name: 'list, anonymous', path: `/api/articles?${page}`, searchQuery: 'page' },
    { name: 'list, signed in', path: `/api/articles?${page}`, headers: signedIn, searchQuery: 'page' },
    {
      name: 'list by tag',
      path: `/api/articles?tag=${tag}&${page}`,
      headers: signedIn,
      searchQuery: 'tag page',
    },
    { name: 'feed', path: `/api/articles/feed?${page}`, headers: signedIn, searchQuery: 'page' },
    { name: 'article, signed in', path: `/api/articles/${slug}`, headers: signedIn, searchQuery: 'page' },
    { name: 'profile', path: `/api/profiles/${author.username}`, headers: signedIn, searchQuery: 'page' },
  ];
  const searchQueries = {
    page: { limit: options.pageSize, offset: 0 },
    'tag page': { tag, limit: options.pageSize, offset: 0 },
  } satisfies Record<SearchQueryName, ListQuery>;
  const key = { pk: { S: usernameKey(reader.username) } };
  const marker = await runtime.dynamoDb.send(
    new GetItemCommand({ TableName: runtime.tableNames.Users, Key: key }),
  );
  if (!marker.Item) throw new Error('the reader has no username marker');
  const floor: LoadResult[] = [];
  const searchFloor: SearchFloor[] = [];
  const timed: TimedRead[] = [];
  for (const connections of options.connections) {
    const warmUp = Math.min(options.amount, connections * 20);
    progress(`floor: raw DynamoDB Local GetItem, ${connections} connections`);
    const raw = checkedFloor(
      'raw DynamoDB',
      await load({
        url: runtime.dynamoDbEndpoint,
        method: 'POST',
        headers: RAW_DYNAMODB_HEADERS,
        body: JSON.stringify({ TableName: runtime.tableNames.Users, Key: key }),
        connections,
        amount: options.amount,
        warmUp,
      }),
    );
    floor.push(raw);
    const rawSearchPerSecond = {} as Record<SearchQueryName, number>;
    for (const [query, parameters] of Object.entries(searchQueries) as [SearchQueryName, ListQuery][]) {
      progress(`floor: raw search (${query}), ${connections} connections`);
      const result = checkedFloor(
        `raw search (${query})`,
        await load({
          ...(await rawSearch(runtime, parameters)),
          connections,
          amount: options.amount,
          warmUp,
        }),
      );
      searchFloor.push({ query, result });
      rawSearchPerSecond[query] = result.requestsPerSecond;
    }
    for (const read of reads) {
      progress(`${read.name}, ${connections} connections, ${options.amount} requests`);
      const result = await load({
        url: `${runtime.url}${read.path}`,
        headers: read.headers ?? {},
        connections,
        amount: options.amount,
        warmUp,
      });
      const calls = counted.find(
        (request) =>
          request.name === read.name &&
          (request.pageSize === undefined || request.pageSize === options.pageSize),
      )?.counted.request;
      if (calls === undefined) throw new Error(`no counted figures for ${read.name}`);
      const { dynamoDbCalls, searchCalls } = calls;
      timed.push({
        name: read.name,
        result,
        dynamoDbCalls,
        searchCalls,
        searchQuery: read.searchQuery,
        efficiency:
          result.requestsPerSecond *
          (dynamoDbCalls / raw.requestsPerSecond + searchCalls / rawSearchPerSecond[read.searchQuery]),
      });
    }
  }
  return {
    floor,
    searchEngine: process.env.OPENSEARCH_URL ? 'OpenSearch' : 'embedded',
    searchFloor,
    reads: timed,
  };
}
