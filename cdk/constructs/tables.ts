/**
 * The DynamoDB tables of schemas/tables.ts, exactly as defined there: keys, global indexes and a
 * NEW_AND_OLD_IMAGES stream on the tables whose changes drive the event workflows, and TTL where
 * a table names its attribute.
 */
import { AttributeType, Billing, type ITableV2, StreamViewType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { type KeyDefinition, type TableId, tables } from '../../schemas/tables.ts';
import type { StageConfig } from '../config.ts';

export type Tables = Readonly<Record<TableId, TableV2>>;
export type TableRefs = Readonly<Record<TableId, ITableV2>>;

const attribute = (key: KeyDefinition) => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

export class ConduitTables extends Construct {
  readonly tables: Tables;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    const entries = tables.map((definition) => {
      const table = new TableV2(this, definition.id, {
        partitionKey: attribute(definition.partitionKey),
        sortKey: definition.sortKey ? attribute(definition.sortKey) : undefined,
        globalSecondaryIndexes: definition.globalIndexes.map((index) => ({
          indexName: index.indexName,
          partitionKey: attribute(index.partitionKey),
          sortKey: index.sortKey ? attribute(index.sortKey) : undefined,
        })),
        billing: Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        dynamoStream: definition.stream ? StreamViewType.NEW_AND_OLD_IMAGES : undefined,
        timeToLiveAttribute: definition.timeToLiveAttribute,
        deletionProtection: config.deletionProtection,
        removalPolicy: config.removalPolicy,
      });
      return [definition.id, table] as const;
    });
    this.tables = Object.fromEntries(entries) as Record<TableId, TableV2>;
  }
}
