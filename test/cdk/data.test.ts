import { Match } from 'aws-cdk-lib/assertions';
import { functions } from '../../schemas/functions.ts';
import { tables } from '../../schemas/tables.ts';
import { logicalId, synthesize } from './synth.ts';

const dev = synthesize('dev');

describe('Data stack: the tables of schemas/tables.ts', () => {
  test('one table per definition and nothing else', () => {
    dev.data.resourceCountIs('AWS::DynamoDB::GlobalTable', tables.length);
  });

  test.each(tables.map((table) => [table.id, table] as const))(
    '%s: keys and indexes as defined',
    (_id, table) => {
      const keySchema = [
        { AttributeName: table.partitionKey.name, KeyType: 'HASH' },
        ...(table.sortKey ? [{ AttributeName: table.sortKey.name, KeyType: 'RANGE' }] : []),
      ];
      const resource = dev.data.toJSON().Resources[logicalId(dev.stacks.data.tables[table.id])];
      expect(resource.Properties.KeySchema).toEqual(keySchema);
      expect(resource.Properties.BillingMode).toBe('PAY_PER_REQUEST');
      const indexes = (resource.Properties.GlobalSecondaryIndexes ?? []) as {
        IndexName: string;
        KeySchema: unknown;
      }[];
      expect(indexes.map((index) => index.IndexName)).toEqual(
        table.globalIndexes.map((index) => index.indexName),
      );
      for (const index of table.globalIndexes) {
        expect(indexes.find((candidate) => candidate.IndexName === index.indexName)?.KeySchema).toEqual([
          { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
          ...(index.sortKey ? [{ AttributeName: index.sortKey.name, KeyType: 'RANGE' }] : []),
        ]);
      }
      const attributes = [
        table.partitionKey,
        table.sortKey,
        ...table.globalIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
      ]
        .filter((key) => key !== undefined)
        .map((key) => ({ AttributeName: key.name, AttributeType: key.type }));
      expect(resource.Properties.AttributeDefinitions).toEqual(expect.arrayContaining(attributes));
    },
  );

  test.each(tables.map((table) => [table.id, table] as const))(
    '%s: stream only where events flow, PITR on',
    (_id, table) => {
      const resource = dev.data.toJSON().Resources[logicalId(dev.stacks.data.tables[table.id])];
      if (table.stream) {
        expect(resource.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
      } else {
        expect(resource.Properties.StreamSpecification).toBeUndefined();
      }
      expect(resource.Properties.Replicas).toEqual([
        expect.objectContaining({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
      ]);
    },
  );

  test.each(tables.map((table) => [table.id, table] as const))(
    '%s: TTL only where the definition names its attribute',
    (_id, table) => {
      const resource = dev.data.toJSON().Resources[logicalId(dev.stacks.data.tables[table.id])];
      expect(resource.Properties.TimeToLiveSpecification).toEqual(
        table.timeToLiveAttribute ? { AttributeName: table.timeToLiveAttribute, Enabled: true } : undefined,
      );
    },
  );

  test('idempotency keys expire by TTL on expiresAt', () => {
    const resource = dev.data.toJSON().Resources[logicalId(dev.stacks.data.tables.Idempotency)];
    expect(resource.Properties.TimeToLiveSpecification).toEqual({
      AttributeName: 'expiresAt',
      Enabled: true,
    });
  });

  test('dev tables are disposable', () => {
    dev.data.allResources('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: false })] }),
    });
  });
});

describe('Data stack in prod', () => {
  // The prod App stack refuses routes without targets, so build only what this test needs.
  test('tables and secrets are retained, tables deletion-protected', async () => {
    const { App } = await import('aws-cdk-lib');
    const { Template } = await import('aws-cdk-lib/assertions');
    const { DataStack } = await import('../../cdk/stacks/data-stack.ts');
    const { stageConfig } = await import('../../cdk/config.ts');
    const template = Template.fromStack(new DataStack(new App(), 'Data', { config: stageConfig('prod') }));
    template.allResources('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({ Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })] }),
    });
    template.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: 'Retain' });
  });
});

describe('Data stack: the JWT key pair', () => {
  test('two secrets: the key pair for signers, the public key alone for verifiers', () => {
    dev.data.resourceCountIs('AWS::SecretsManager::Secret', 2);
    dev.data.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('key pair \\{privateKey, publicKey\\}'),
    });
    dev.data.hasResourceProperties('AWS::SecretsManager::Secret', {
      Description: Match.stringLikeRegexp('public key \\{publicKey\\}'),
    });
  });

  test('-c jwtKeyRotation=<id> reaches the custom resource (so CloudFormation sends it an update) and the functions that read the key (so they start afresh)', () => {
    const rotated = synthesize('dev', { jwtKeyRotation: '2026-11-30T07:00Z' });
    rotated.data.hasResourceProperties('Custom::JwtKeyPair', { Rotation: '2026-11-30T07:00Z' });
    for (const definition of functions) {
      const variables = (rotated.application.toJSON().Resources[
        logicalId(rotated.stacks.application.functions.get(definition.name))
      ].Properties.Environment?.Variables ?? {}) as Record<string, string>;
      expect({ name: definition.name, rotation: variables.JWT_KEY_ROTATION }).toEqual({
        name: definition.name,
        rotation: definition.jwtKey ? '2026-11-30T07:00Z' : undefined,
      });
    }
  });

  test('generated at deploy time by a custom resource, never present in the template', () => {
    const signing = logicalId(dev.stacks.data.jwtSigningSecret);
    const verifying = logicalId(dev.stacks.data.jwtVerifyingSecret);
    dev.data.hasResourceProperties('Custom::JwtKeyPair', {
      SigningSecretArn: { Ref: signing },
      VerifyingSecretArn: { Ref: verifying },
      Rotation: '',
    });
    expect(JSON.stringify(dev.data.toJSON())).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
    // The generator may write both secrets but read only the one it re-derives the public key from.
    dev.data.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'secretsmanager:PutSecretValue',
            Resource: Match.arrayEquals([{ Ref: signing }, { Ref: verifying }]),
          }),
        ]),
      },
    });
  });
});
