/** Creates the tables of schemas/tables.ts in DynamoDB Local, TTL included (idempotent). */
import {
  type AttributeDefinition,
  CreateTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { type TableDefinition, type TableId, tables } from '../schemas/tables.ts';

export type TableNames = Record<TableId, string>;

export function localTableNames(prefix: string): TableNames {
  return Object.fromEntries(tables.map((table) => [table.id, `${prefix}${table.id}`])) as TableNames;
}

function attributeDefinitions(table: TableDefinition): AttributeDefinition[] {
  const keys = [
    table.partitionKey,
    table.sortKey,
    ...table.globalIndexes.flatMap((index) => [index.partitionKey, index.sortKey]),
  ];
  const byName = new Map<string, AttributeDefinition>();
  for (const key of keys) {
    if (key) byName.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  }
  return [...byName.values()];
}

export async function createTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  for (const table of tables) {
    try {
      await client.send(
        new CreateTableCommand({
          TableName: names[table.id],
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: attributeDefinitions(table),
          KeySchema: [
            { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
            ...(table.sortKey ? [{ AttributeName: table.sortKey.name, KeyType: 'RANGE' as const }] : []),
          ],
          GlobalSecondaryIndexes: table.globalIndexes.length
            ? table.globalIndexes.map((index) => ({
                IndexName: index.indexName,
                KeySchema: [
                  { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
                  ...(index.sortKey
                    ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' as const }]
                    : []),
                ],
                Projection: { ProjectionType: 'ALL' },
              }))
            : undefined,
          StreamSpecification: table.stream
            ? { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' }
            : undefined,
        }),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    if (table.timeToLiveAttribute) await enableTimeToLive(client, names[table.id], table.timeToLiveAttribute);
  }
}

/** DynamoDB Local deletes expired items as AWS does, sooner (within about 30 s: docs/local-runtime.md). */
async function enableTimeToLive(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  const { TimeToLiveDescription } = await client.send(
    new DescribeTimeToLiveCommand({ TableName: tableName }),
  );
  if (TimeToLiveDescription?.TimeToLiveStatus === 'ENABLED') return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: attribute, Enabled: true },
    }),
  );
}
