/**
 * `npm run reindex`: rebuilds the configured OpenSearch index from the Articles table (a new index
 * filled from a scan, then the alias switched atomically). The embedded engine of the local runtime
 * lives inside the `npm start` process and is rebuilt at every start instead.
 *
 *   OPENSEARCH_ENDPOINT  OpenSearch Service endpoint (the Search stack's SearchEndpoint output):
 *                        requests SigV4-signed with the credentials and region the AWS SDK resolves
 *                        (AWS_PROFILE, AWS_REGION, ~/.aws/config), or
 *   OPENSEARCH_URL       a plain OpenSearch URL (unsigned)
 *   OPENSEARCH_REPLICAS  replicas of the new index; required with OPENSEARCH_ENDPOINT (the Search
 *                        stack's SearchReplicas output), 0 by default with OPENSEARCH_URL
 *   OPENSEARCH_INDEX     the alias (default `articles`; the local runtime uses the Articles table name)
 *   ARTICLES_TABLE       the Articles table (the local runtime's is conduit-Articles)
 *   DYNAMODB_ENDPOINT    DynamoDB Local's endpoint, which `npm start` prints; unset means AWS
 */
import { documentClient } from '../lambdas/shared/clients.ts';
import { tableName } from '../lambdas/shared/config.ts';
import { articleSearch } from '../lambdas/shared/search/configured.ts';
import { rebuildSearchIndex } from '../lambdas/shared/search/rebuild.ts';

if (!process.env.OPENSEARCH_ENDPOINT && !process.env.OPENSEARCH_URL) {
  console.error(
    'No OpenSearch configured (OPENSEARCH_ENDPOINT or OPENSEARCH_URL): the embedded index is rebuilt by every `npm start`.',
  );
  process.exit(1);
}

try {
  const started = performance.now();
  const table = tableName('Articles');
  const count = await rebuildSearchIndex(await articleSearch(), documentClient, table);
  console.log(
    `Reindexed ${count} articles from ${table} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
} catch (error) {
  console.error(error);
  process.exit(1);
}
