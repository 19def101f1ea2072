/**
 * The search index the configuration selects, one per process:
 *   OPENSEARCH_ENDPOINT  (set by CDK) OpenSearch Service, requests SigV4-signed for the region and
 *                        credentials the AWS SDK resolves (the function's role and region in AWS;
 *                        AWS_REGION, AWS_PROFILE or ~/.aws/config on a workstation)
 *   OPENSEARCH_URL       a plain OpenSearch, e.g. http://localhost:9200 (local runtime, tests)
 *   neither              the embedded engine (local runtime)
 * OPENSEARCH_INDEX names the alias (default `articles`). OPENSEARCH_REPLICAS is the replica count
 * of a new index: CDK sets it from the domain's node count; with OPENSEARCH_ENDPOINT an index is
 * created only when it is set (reindex), 0 by default for a plain (one-node) OpenSearch. The OpenSearch client is imported only when
 * configured, so the embedded path never loads it.
 */
import type { Client } from '@opensearch-project/opensearch';
import type { ArticleSearch } from './article-search.ts';

let configured: Promise<ArticleSearch> | undefined;

export const articleSearch = (): Promise<ArticleSearch> => {
  configured ??= fromEnvironment();
  return configured;
};

const searchIndexName = (): string => process.env.OPENSEARCH_INDEX ?? 'articles';

/** Unknown for OpenSearch Service without OPENSEARCH_REPLICAS: enough to read and write, not to create an index. */
function searchReplicas(signed: boolean): number | undefined {
  const value = process.env.OPENSEARCH_REPLICAS;
  if (value === undefined) return signed ? undefined : 0;
  const replicas = Number(value);
  if (value.trim() === '' || !Number.isInteger(replicas) || replicas < 0) {
    throw new Error(
      `OPENSEARCH_REPLICAS must be a replica count (0 for a one-node domain), not ${JSON.stringify(value)}`,
    );
  }
  return replicas;
}

/**
 * A client for an OpenSearch Service endpoint, SigV4-signed ("es") with the region and the
 * credential chain of the SDK's own clients, so it signs for whatever region they resolve.
 */
export async function signedSearchClient(endpoint: string): Promise<Client> {
  const [{ Client }, { AwsSigv4Signer }, { dynamoDb }] = await Promise.all([
    import('@opensearch-project/opensearch'),
    import('@opensearch-project/opensearch/aws-v3'),
    import('../clients.ts'),
  ]);
  return new Client({
    ...AwsSigv4Signer({
      region: await dynamoDb.config.region(),
      service: 'es',
      getCredentials: () => dynamoDb.config.credentials(),
    }),
    node: endpoint,
  });
}

async function fromEnvironment(): Promise<ArticleSearch> {
  const endpoint = process.env.OPENSEARCH_ENDPOINT;
  const url = process.env.OPENSEARCH_URL;
  if (!endpoint && !url) return (await import('./embedded.ts')).embeddedArticleSearch;

  const replicas = searchReplicas(Boolean(endpoint));
  const [{ Client }, { OpenSearchArticleSearch }] = await Promise.all([
    import('@opensearch-project/opensearch'),
    import('./opensearch.ts'),
  ]);
  const client = endpoint ? await signedSearchClient(endpoint) : new Client({ node: url });
  return new OpenSearchArticleSearch(client, searchIndexName(), replicas);
}
