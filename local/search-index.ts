/**
 * The search index of the local runtime: the embedded engine unless OPENSEARCH_URL points at an
 * OpenSearch (lambdas/shared/search/configured.ts), rebuilt from the Articles table at every start.
 * Locally the index is named after the Articles table, so runtimes sharing one OpenSearch (test
 * files) never share an index.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { articleSearch } from '../lambdas/shared/search/configured.ts';
import { rebuildSearchIndex } from '../lambdas/shared/search/rebuild.ts';
import type { TableId } from '../schemas/tables.ts';

export const localSearchIndexName = (articlesTable: string): string => articlesTable.toLowerCase();

export async function rebuildLocalSearchIndex(
  dynamoDb: DynamoDBClient,
  tableNames: Record<TableId, string>,
  log: (line: string) => void,
): Promise<void> {
  const count = await rebuildSearchIndex(
    await articleSearch(),
    DynamoDBDocumentClient.from(dynamoDb),
    tableNames.Articles,
  );
  const where = process.env.OPENSEARCH_URL ? `OpenSearch ${process.env.OPENSEARCH_URL}` : 'embedded';
  log(`search index (${where}) rebuilt: ${count} articles`);
}
