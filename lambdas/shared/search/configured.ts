/**
 * The search index the configuration selects, one per process:
 *   OPENSEARCH_ENDPOINT  (set by CDK) OpenSearch Service, requests SigV4-signed with the function's role
 *   OPENSEARCH_URL       a plain OpenSearch, e.g. http://localhost:9200 (local runtime, reindex, tests)
 *   neither              the embedded engine (local runtime)
 * OPENSEARCH_INDEX names the alias (default `articles`). The OpenSearch client is imported only
 * when configured, so the embedded path never loads it.
 */
import type { ArticleSearch } from './article-search.ts';

let configured: Promise<ArticleSearch> | undefined;

export const articleSearch = (): Promise<ArticleSearch> => {
  configured ??= fromEnvironment();
  return configured;
};

const searchIndexName = (): string => process.env.OPENSEARCH_INDEX ?? 'articles';

async function fromEnvironment(): Promise<ArticleSearch> {
  const endpoint = process.env.OPENSEARCH_ENDPOINT;
  const url = process.env.OPENSEARCH_URL;
  if (!endpoint && !url) return (await import('./embedded.ts')).embeddedArticleSearch;

  const [{ Client }, { OpenSearchArticleSearch }] = await Promise.all([
    import('@opensearch-project/opensearch'),
    import('./opensearch.ts'),
  ]);
  if (endpoint) {
    const [{ AwsSigv4Signer }, { dynamoDb }] = await Promise.all([
      import('@opensearch-project/opensearch/aws-v3'),
      import('../clients.ts'),
    ]);
    const client = new Client({
      ...AwsSigv4Signer({
        region: process.env.AWS_REGION ?? 'us-east-1',
        service: 'es',
        // The credential chain the SDK clients already resolved: the function's role in AWS.
        getCredentials: () => dynamoDb.config.credentials(),
      }),
      node: endpoint,
    });
    return new OpenSearchArticleSearch(client, searchIndexName());
  }
  return new OpenSearchArticleSearch(new Client({ node: url }), searchIndexName());
}
