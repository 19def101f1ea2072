import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { grantSearch } from '../../cdk/constructs/search.ts';
import { type FunctionDefinition, functions } from '../../schemas/functions.ts';
import { tableEnvVar, tables } from '../../schemas/tables.ts';
import { actionsOf, logicalId, resourcesOf, statementsOfRole, synthesize } from './synth.ts';

const dev = synthesize('dev');
const app = dev.stacks.application;
const resources = dev.application.toJSON().Resources as Record<string, unknown>;
const tableLogicalIds = Object.fromEntries(
  tables.map((table) => [table.id, logicalId(dev.stacks.data.tables[table.id])]),
);

const cases = functions.map((definition) => [definition.name, definition] as const);

interface LambdaJson {
  readonly Properties: {
    readonly Environment: { readonly Variables: Record<string, unknown> };
    readonly LoggingConfig: { readonly LogGroup: { readonly Ref: string } };
    readonly [key: string]: unknown;
  };
}

function lambdaResource(definition: FunctionDefinition): LambdaJson {
  const resource = resources[logicalId(app.functions.get(definition.name))];
  if (!resource) throw new Error(`no Lambda resource for ${definition.name}`);
  return resource as LambdaJson;
}

function roleStatements(definition: FunctionDefinition) {
  const fn = app.functions.get(definition.name);
  return statementsOfRole(dev.application, logicalId(fn.role as Role));
}

/** DynamoDB actions per table (or `<table>/index/<name>`) granted to a role. */
function dynamoDbGrants(definition: FunctionDefinition): Map<string, Set<string>> {
  const grants = new Map<string, Set<string>>();
  for (const statement of roleStatements(definition)) {
    const actions = actionsOf(statement).filter((action) => action.startsWith('dynamodb:'));
    if (actions.length === 0) continue;
    for (const resource of resourcesOf(statement)) {
      const text = JSON.stringify(resource);
      const table = tables.find((candidate) => text.includes(`${tableLogicalIds[candidate.id]}Arn`));
      if (!table) throw new Error(`${definition.name}: DynamoDB grant on an unknown resource ${text}`);
      const index = /\/index\/([^"]+)"/.exec(text)?.[1];
      const key = index ? `${table.id}/index/${index}` : table.id;
      const set = grants.get(key) ?? new Set<string>();
      for (const action of actions) set.add(action);
      grants.set(key, set);
    }
  }
  return grants;
}

const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];

describe('Functions: one per schemas/functions.ts entry, defaults set once', () => {
  test('exactly the registered functions (plus the JWT key generator of the data stack)', () => {
    dev.application.resourceCountIs('AWS::Lambda::Function', functions.length);
  });

  test.each(cases)('%s: Node.js 22 on ARM64, traced, own log group with retention', (_name, definition) => {
    const fn = lambdaResource(definition);
    expect(fn.Properties).toEqual(
      expect.objectContaining({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) } },
      }),
    );
    expect(resources[fn.Properties.LoggingConfig.LogGroup.Ref]).toEqual(
      expect.objectContaining({
        Properties: expect.objectContaining({ RetentionInDays: 14 }),
        DeletionPolicy: 'Delete',
      }),
    );
  });

  test.each(cases)('%s: Powertools environment and every table name', (_name, definition) => {
    const variables = (
      lambdaResource(definition).Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(variables).toEqual(
      expect.objectContaining({
        POWERTOOLS_SERVICE_NAME: 'conduit',
        POWERTOOLS_LOG_LEVEL: 'DEBUG',
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      }),
    );
    for (const table of tables) {
      expect(JSON.stringify(variables[tableEnvVar(table.id)])).toContain(tableLogicalIds[table.id]);
    }
  });

  test.each(cases)('%s: DynamoDB access is exactly what the definition declares', (_name, definition) => {
    const grants = dynamoDbGrants(definition);
    for (const table of tables) {
      const access = definition.tables[table.id];
      const onTable = grants.get(table.id) ?? new Set<string>();
      const onIndexes = table.globalIndexes.map((index) =>
        grants.get(`${table.id}/index/${index.indexName}`),
      );
      if (access === undefined) {
        expect(onTable.size).toBe(0);
        expect(onIndexes.filter(Boolean)).toEqual([]);
        continue;
      }
      const canRead = access !== 'write';
      const canWrite = access !== 'read';
      for (const action of READ_ACTIONS) expect(onTable.has(action)).toBe(canRead);
      for (const action of WRITE_ACTIONS) expect(onTable.has(action)).toBe(canWrite);
      for (const indexGrants of onIndexes) {
        expect(indexGrants ? [...indexGrants].sort() : []).toEqual(
          canRead ? ['dynamodb:Query', 'dynamodb:Scan'] : [],
        );
      }
    }
    for (const key of grants.keys()) expect(key).not.toMatch(/\*/);
  });

  test.each(cases)('%s: the JWT secret it needs, and only that one', (_name, definition) => {
    const variables = (
      lambdaResource(definition).Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    const secretActions = roleStatements(definition).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('secretsmanager:')),
    );
    if (!definition.jwtKey) {
      expect(variables.JWT_SECRET_ARN).toBeUndefined();
      expect(secretActions).toEqual([]);
      return;
    }
    const secret =
      definition.jwtKey === 'sign' ? dev.stacks.data.jwtSigningSecret : dev.stacks.data.jwtVerifyingSecret;
    const secretId = logicalId(secret);
    expect(JSON.stringify(variables.JWT_SECRET_ARN)).toContain(secretId);
    expect(secretActions).toHaveLength(1);
    expect(actionsOf(secretActions[0] as never).sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    expect(JSON.stringify(secretActions[0]?.Resource)).toContain(secretId);
  });

  test.each(cases)('%s: the search domain only with `search` access', (_name, definition) => {
    const variables = (
      lambdaResource(definition).Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    const searchStatements = roleStatements(definition).filter((statement) =>
      actionsOf(statement).some((action) => action.startsWith('es:')),
    );
    expect(variables.OPENSEARCH_ENDPOINT === undefined).toBe(definition.search === undefined);
    expect(searchStatements.length).toBe(definition.search ? 1 : 0);
  });

  test('no role anywhere in the app grants dynamodb:* or a wildcard table', () => {
    const text = JSON.stringify(dev.application.findResources('AWS::IAM::Policy'));
    expect(text).not.toContain('dynamodb:*');
    expect(text).not.toMatch(/table\/\*/);
  });

  test('every statement on Resource "*" is X-Ray, CloudWatch Logs delivery or ListStreams', () => {
    const allowed =
      /^(xray:|logs:(Create|Delete|Get|Update|List|Describe|Put)(LogDelivery|LogDeliveries|LogGroups|ResourcePolicies|ResourcePolicy)$|dynamodb:ListStreams$)/;
    for (const policy of Object.values(dev.application.findResources('AWS::IAM::Policy'))) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        if (!resourcesOf(statement).includes('*')) continue;
        for (const action of actionsOf(statement)) expect(action).toMatch(allowed);
      }
    }
  });
});

describe('grantSearch', () => {
  test('read may GET/HEAD/POST, write adds PUT/DELETE/PATCH, both on the one domain', () => {
    const stack = new Stack(new App(), 'SearchGrants');
    const endpoint = {
      domainArn: 'arn:aws:es:eu-west-1:123456789012:domain/conduit-test',
      url: 'https://x',
      replicas: 0,
    };
    const reader = new Role(stack, 'Reader', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    const writer = new Role(stack, 'Writer', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    grantSearch(endpoint, reader, 'read');
    grantSearch(endpoint, writer, 'write');
    const template = Template.fromStack(stack);
    const statementsOf = (role: Role) => statementsOfRole(template, logicalId(role));
    expect(statementsOf(reader)).toEqual([
      expect.objectContaining({
        Action: ['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost'],
        Resource: `${endpoint.domainArn}/*`,
      }),
    ]);
    expect(actionsOf(statementsOf(writer)[0] as never)).toEqual(
      expect.arrayContaining(['es:ESHttpPut', 'es:ESHttpDelete', 'es:ESHttpPatch']),
    );
  });
});
