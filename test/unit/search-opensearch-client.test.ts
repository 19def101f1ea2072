/**
 * The OpenSearch adapter and the signed client, with the real @opensearch-project/opensearch client
 * against a local HTTP server that answers as OpenSearch does when it refuses a request (429, 503),
 * resets the connection, or rejects a document (400): the errors the event workflow must tell
 * apart, and the SigV4 signature of the client the configuration builds for an endpoint.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client } from '@opensearch-project/opensearch';
import { SearchUnavailableError } from '../../lambdas/shared/search/article-search.ts';
import { OpenSearchArticleSearch } from '../../lambdas/shared/search/opensearch.ts';

type Answer = 'ok' | 429 | 503 | 400 | 'reset';
let answer: Answer = 'ok';
const requests: IncomingMessage[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request);
    request.resume();
    const json = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'HEAD') return json(200, {}); // the alias exists
    if (answer === 'reset') return request.socket.destroy();
    if (answer === 'ok') return json(200, { result: 'created' });
    const type = {
      429: 'es_rejected_execution_exception',
      503: 'unavailable_shards_exception',
      400: 'mapper_parsing_exception',
    }[answer];
    json(answer, { error: { type, reason: type }, status: answer });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const document = {
  id: 'a1',
  title: 'How to train your dragon',
  description: 'Ever wonder how?',
  body: 'Very carefully.',
  tagList: ['dragons'],
  authorId: 'author-1',
  createdAt: '2026-01-02T03:04:05.678Z',
  updatedAt: '2026-01-02T03:04:06.789Z',
};

describe('OpenSearch refusing a write', () => {
  const search = () => new OpenSearchArticleSearch(new Client({ node: url, maxRetries: 1 }), 'articles', 0);

  it.each([429, 503, 'reset'] as const)(
    '%s: SearchUnavailable, the error the workflow retries',
    async (refusal) => {
      answer = refusal;
      for (const write of [() => search().upsert(document), () => search().remove('a1')]) {
        const failure = await write().catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(SearchUnavailableError);
        expect((failure as Error).name).toBe('SearchUnavailable');
        expect((failure as Error).message).toMatch(
          refusal === 'reset' ? /could not be reached \(ConnectionError/ : `answered ${refusal}`,
        );
      }
    },
  );

  it('400 for the mapping: SearchDocumentRejected, which is not retried', async () => {
    answer = 400;
    const failure = await search()
      .upsert(document)
      .catch((error: unknown) => error);
    expect((failure as Error).name).toBe('SearchDocumentRejected');
    expect((failure as Error).message).toBe(
      'search document a1 rejected: mapper_parsing_exception: mapper_parsing_exception',
    );
    expect(failure).not.toBeInstanceOf(SearchUnavailableError);
  });

  it('succeeds when OpenSearch takes the write', async () => {
    answer = 'ok';
    await expect(search().upsert(document)).resolves.toBeUndefined();
  });
});

describe('the client for OPENSEARCH_ENDPOINT', () => {
  it('signs for the region the SDK resolves (here: the shared config file, AWS_REGION unset)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'aws-config-'));
    writeFileSync(join(directory, 'config'), '[default]\nregion = eu-west-3\n');
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_CONFIG_FILE: join(directory, 'config'),
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
    });
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_PROFILE', 'DYNAMODB_ENDPOINT'])
      delete process.env[name];
    try {
      const { signedSearchClient } = await import('../../lambdas/shared/search/configured.ts');
      const client = await signedSearchClient(url);
      answer = 'ok';
      requests.length = 0;
      await client.index({ index: 'articles', id: 'a1', body: document });
      expect(requests[0]?.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-3\/es\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/,
      );
    } finally {
      process.env = saved;
    }
  });
});
