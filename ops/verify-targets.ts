/**
 * What verify-data checks: a running local server, or AWS.
 *
 * Local: the server's admin routes (local/admin.ts) say which DynamoDB and tables it uses, and
 * carry the search index, which lives inside the server process.
 * AWS: the tables named by USERS_TABLE, ARTICLES_TABLE and RELATIONS_TABLE (the Lambdas' variables;
 * the CDK app lets CloudFormation name them), with the environment's region and credentials
 * (DYNAMODB_ENDPOINT may point at another DynamoDB), and the OpenSearch index the Lambdas use,
 * through the same configured adapter (OPENSEARCH_ENDPOINT, SigV4; or OPENSEARCH_URL).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ADMIN_PATH_PREFIX } from '../local/admin.ts';
import { AdminSearch } from '../local/admin-search.ts';
import { localAwsConfig } from '../local/dynamodb-local.ts';
import { type TableId, tableEnvVar, tables } from '../schemas/tables.ts';
import type { VerifyOptions } from './verify-data.ts';

export interface VerifyTarget {
  /** One line: what is being checked. */
  readonly description: string;
  readonly options: VerifyOptions;
  /** Releases the clients. */
  close(): void;
}

/** A target that cannot be reached or is not configured: the message says what to do. */
export class TargetError extends Error {}

export async function localTarget(serverUrl: string): Promise<VerifyTarget> {
  const runtimeUrl = `${serverUrl}${ADMIN_PATH_PREFIX}runtime`;
  let response: Response;
  try {
    response = await fetch(runtimeUrl);
  } catch (error) {
    throw new TargetError(
      `No local server at ${serverUrl} (${(error as Error).message}): start one with \`npm start\`, or pass --local <url>`,
    );
  }
  if (!response.ok) {
    throw new TargetError(`${runtimeUrl} answered ${response.status}: is ${serverUrl} the local runtime?`);
  }
  const { dynamoDbEndpoint, tableNames } = (await response.json()) as {
    dynamoDbEndpoint: string;
    tableNames: Record<TableId, string>;
  };
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...localAwsConfig, endpoint: dynamoDbEndpoint }),
  );
  return {
    description: `local server ${serverUrl}: DynamoDB ${dynamoDbEndpoint}, tables ${Object.values(tableNames).join(', ')}, its search index`,
    options: { db, tableNames, search: new AdminSearch(serverUrl) },
    close: () => db.destroy(),
  };
}

export async function awsTarget(): Promise<VerifyTarget> {
  const required = [
    ...tables.map((table) => tableEnvVar(table.id)),
    ...(process.env.OPENSEARCH_URL ? [] : ['OPENSEARCH_ENDPOINT']),
  ];
  const missing = required.filter((name) => !process.env[name]);
  if (missing.length) throw new TargetError(`--aws needs ${missing.join(', ')} in the environment`);
  // Imported here: the shared clients read their configuration at import.
  const [{ documentClient }, { tableName }, { articleSearch }] = await Promise.all([
    import('../lambdas/shared/clients.ts'),
    import('../lambdas/shared/config.ts'),
    import('../lambdas/shared/search/configured.ts'),
  ]);
  const tableNames = Object.fromEntries(tables.map((table) => [table.id, tableName(table.id)])) as Record<
    TableId,
    string
  >;
  const where =
    process.env.DYNAMODB_ENDPOINT ?? `DynamoDB in ${process.env.AWS_REGION ?? 'the default region'}`;
  const search = process.env.OPENSEARCH_ENDPOINT ?? process.env.OPENSEARCH_URL;
  return {
    description: `AWS: ${where}, tables ${Object.values(tableNames).join(', ')}, OpenSearch ${search} index ${process.env.OPENSEARCH_INDEX ?? 'articles'}`,
    options: { db: documentClient, tableNames, search: await articleSearch() },
    close: () => documentClient.destroy(),
  };
}
