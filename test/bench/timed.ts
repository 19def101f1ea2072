/**
 * The timed part: the main reads under load (load.ts) at each concurrency, and in the same run the
 * floor, raw DynamoDB Local GetItem calls at the same concurrency with the same load generator, so
 * each read gets an efficiency ratio: requests/s × DynamoDB calls per request ÷ raw calls/s.
 * Timings depend on the machine: quote them only from a quiet one.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { usernameKey } from '../../lambdas/shared/keys.ts';
import type { Runtime } from '../../local/runtime.ts';
import type { CountedRequest, Seeded } from './counted.ts';
import { type LoadResult, load } from './load.ts';

export interface TimedOptions {
  readonly connections: readonly number[];
  /** Measured requests per figure. */
  readonly amount: number;
  readonly pageSize: number;
}

export interface TimedRead {
  /** The counted request it is (counted.ts names), for its DynamoDB calls per request. */
  readonly name: string;
  readonly result: LoadResult;
  /** requests/s × DynamoDB calls per request ÷ raw GetItem/s at the same concurrency. */
  readonly efficiency: number;
}

export interface Timed {
  readonly floor: readonly LoadResult[];
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
  const reads = [
    { name: 'list, anonymous', path: `/api/articles?${page}` },
    { name: 'list, signed in', path: `/api/articles?${page}`, headers: signedIn },
    { name: 'list by tag', path: `/api/articles?tag=${tag}&${page}`, headers: signedIn },
    { name: 'feed', path: `/api/articles/feed?${page}`, headers: signedIn },
    { name: 'article, signed in', path: `/api/articles/${slug}`, headers: signedIn },
    { name: 'profile', path: `/api/profiles/${author.username}`, headers: signedIn },
  ];
  const key = { pk: { S: usernameKey(reader.username) } };
  const marker = await runtime.dynamoDb.send(
    new GetItemCommand({ TableName: runtime.tableNames.Users, Key: key }),
  );
  if (!marker.Item) throw new Error('the reader has no username marker');
  const floor: LoadResult[] = [];
  const timed: TimedRead[] = [];
  for (const connections of options.connections) {
    const warmUp = Math.min(options.amount, connections * 20);
    progress(`floor: raw DynamoDB Local GetItem, ${connections} connections`);
    const raw = await load({
      url: runtime.dynamoDbEndpoint,
      method: 'POST',
      headers: RAW_DYNAMODB_HEADERS,
      body: JSON.stringify({ TableName: runtime.tableNames.Users, Key: key }),
      connections,
      amount: options.amount,
      warmUp,
    });
    floor.push(raw);
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
      )?.counted.request.dynamoDbCalls;
      if (calls === undefined) throw new Error(`no counted figures for ${read.name}`);
      timed.push({
        name: read.name,
        result,
        efficiency: (result.requestsPerSecond * calls) / raw.requestsPerSecond,
      });
    }
  }
  return { floor, reads: timed };
}
