// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ASL substitution variables are literal ${...} strings
import { Match } from 'aws-cdk-lib/assertions';
import { dynamicTaskAccess } from '../../cdk/dynamic-task-access.ts';
import {
  type AslMachine,
  assertAllSubstituted,
  knownVariables,
  loadWorkflow,
  placeholders,
  requiredPermissions,
} from '../../schemas/asl.ts';
import { metricsNamespace } from '../../schemas/functions.ts';
import { tables } from '../../schemas/tables.ts';
import { stateMetrics, workflows } from '../../schemas/workflows.ts';
import { actionsOf, logicalId, resourcesOf, statementsOfRole, synthesize } from './synth.ts';

const dev = synthesize('dev');
const app = dev.stacks.application;
const resources = dev.application.toJSON().Resources as Record<
  string,
  { Properties: Record<string, unknown> }
>;
const tableLogicalIds = Object.fromEntries(
  tables.map((table) => [table.id, logicalId(dev.stacks.data.tables[table.id])]),
);
const cases = workflows.map((definition) => [definition.name, definition] as const);

const stateMachineResource = (name: string) => {
  const resource = resources[logicalId(app.workflows.get(name))];
  if (!resource) throw new Error(`no state machine ${name}`);
  return resource.Properties;
};

/** `dynamodb:<Action>` → the table or index it is granted on, read back from the synthesized policy. */
function grantedDynamoDb(name: string): Set<string> {
  const granted = new Set<string>();
  const roleId = logicalId(app.workflows.get(name).role as never);
  for (const statement of statementsOfRole(dev.application, roleId)) {
    for (const action of actionsOf(statement).filter((candidate) => candidate.startsWith('dynamodb:'))) {
      for (const resource of resourcesOf(statement)) {
        const text = JSON.stringify(resource);
        const table = tables.find((candidate) => text.includes(`${tableLogicalIds[candidate.id]}Arn`));
        const index = /\/index\/([^"]+)"/.exec(text)?.[1];
        granted.add(`${action} ${table?.id ?? text}${index ? `/index/${index}` : ''}`);
      }
    }
  }
  return granted;
}

describe('Workflows: one state machine per schemas/workflows.ts entry', () => {
  test('exactly the registered workflows', () => {
    dev.application.resourceCountIs('AWS::StepFunctions::StateMachine', workflows.length);
  });

  test.each(cases)(
    '%s: type, X-Ray, logging level ALL (no execution data when it carries secrets)',
    (name, definition) => {
      const properties = stateMachineResource(name);
      expect(properties).toEqual(
        expect.objectContaining({
          StateMachineType: definition.type,
          TracingConfiguration: { Enabled: true },
          LoggingConfiguration: expect.objectContaining({
            Level: 'ALL',
            IncludeExecutionData: !definition.carriesSecrets,
          }),
        }),
      );
    },
  );

  test.each(cases)(
    '%s: the ASL file inlined verbatim, every ${...} substituted by CloudFormation',
    (name, definition) => {
      const workflow = loadWorkflow(definition);
      const properties = stateMachineResource(name);
      expect(properties.DefinitionString).toBe(workflow.text);
      expect(properties.DefinitionS3Location).toBeUndefined();
      expect(Object.keys((properties.DefinitionSubstitutions ?? {}) as object).sort()).toEqual(
        placeholders(workflow.text).sort(),
      );
    },
  );

  test.each(cases)('%s: IAM is exactly what its Tasks need', (name, definition) => {
    const workflow = loadWorkflow(definition);
    const required = requiredPermissions(
      workflow.asl,
      workflow.file,
      (state) => dynamicTaskAccess[`${name}/${state}`],
    );
    const expectedDynamoDb = new Set(
      required.flatMap((requirement) =>
        requirement.kind === 'dynamodb'
          ? [
              `dynamodb:${requirement.action} ${requirement.table}${requirement.index ? `/index/${requirement.index}` : ''}`,
            ]
          : [],
      ),
    );
    expect([...grantedDynamoDb(name)].sort()).toEqual([...expectedDynamoDb].sort());

    const roleId = logicalId(app.workflows.get(name).role as never);
    const statements = statementsOfRole(dev.application, roleId);
    const invoked = statements
      .filter((statement) => actionsOf(statement).includes('lambda:InvokeFunction'))
      .flatMap(resourcesOf)
      .map((resource) => JSON.stringify(resource));
    const expectedFunctions = [
      ...new Set(
        required.flatMap((requirement) => (requirement.kind === 'lambda' ? [requirement.function] : [])),
      ),
    ];
    expect(invoked.sort()).toEqual(
      expectedFunctions
        .map((fn) => JSON.stringify({ 'Fn::GetAtt': [logicalId(app.functions.get(fn)), 'Arn'] }))
        .sort(),
    );
    const started = statements
      .filter((statement) => actionsOf(statement).includes('states:StartExecution'))
      .flatMap(resourcesOf);
    const expectedStarts = new Set(
      required.flatMap((r) => (r.kind === 'startExecution' ? [r.workflow] : [])),
    );
    expect(started).toHaveLength(expectedStarts.size);
    for (const target of expectedStarts) {
      expect(JSON.stringify(started)).toContain(`:stateMachine:conduit-dev-${target}"`);
    }
  });

  test('no wildcard DynamoDB action or resource in any workflow role', () => {
    for (const name of workflows.map((workflow) => workflow.name)) {
      for (const statement of statementsOfRole(
        dev.application,
        logicalId(app.workflows.get(name).role as never),
      )) {
        for (const action of actionsOf(statement)) expect(action).not.toMatch(/^dynamodb:.*\*/);
        if (actionsOf(statement).some((action) => action.startsWith('dynamodb:'))) {
          expect(JSON.stringify(statement.Resource)).not.toContain('*');
        }
      }
    }
  });

  test('every STANDARD workflow, and only those, alarms on its first failed execution', () => {
    const standard = workflows.filter((workflow) => workflow.type === 'STANDARD');
    expect(standard.length).toBeGreaterThan(0);
    const alarmsOn = (name: string) =>
      Object.values(
        dev.application.findResources('AWS::CloudWatch::Alarm', {
          Properties: {
            MetricName: 'ExecutionsFailed',
            Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(app.workflows.get(name)) } }],
          },
        }),
      ).map((alarm) => alarm.Properties);
    for (const workflow of workflows) {
      const alarms = alarmsOn(workflow.name);
      if (workflow.type !== 'STANDARD') {
        expect({ workflow: workflow.name, alarms }).toEqual({ workflow: workflow.name, alarms: [] });
        continue;
      }
      expect(alarms).toEqual([
        expect.objectContaining({
          Namespace: 'AWS/States',
          MetricName: 'ExecutionsFailed',
          Statistic: 'Sum',
          Period: 300,
          EvaluationPeriods: 1,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmDescription: expect.stringContaining(`conduit-dev-${workflow.name}`),
        }),
      ]);
    }
    expect(
      Object.values(
        dev.application.findResources('AWS::CloudWatch::Alarm', {
          Properties: { MetricName: 'ExecutionsFailed' },
        }),
      ),
    ).toHaveLength(standard.length);
  });

  test.each(cases)('%s: its log group has the vendedlogs prefix, named per creation of the stack', (name) => {
    dev.application.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: {
        'Fn::Join': [
          '',
          [
            `/aws/vendedlogs/states/conduit-dev-${name}-`,
            {
              'Fn::Select': [
                1,
                { 'Fn::Split': ['-', Match.objectLike({ 'Fn::Select': [2, Match.anyValue()] })] },
              ],
            },
          ],
        ],
      },
    });
  });

  test('the business metrics of workflow-only states are counted from their log groups', () => {
    const filters = Object.values(resources).filter(
      (resource) => (resource as { Type?: string }).Type === 'AWS::Logs::MetricFilter',
    );
    expect(filters).toHaveLength(stateMetrics.length);
    for (const { state, metric } of stateMetrics) {
      dev.application.hasResourceProperties('AWS::Logs::MetricFilter', {
        FilterPattern: `{ ($.type = "PassStateEntered") && ($.details.name = "${state}") }`,
        MetricTransformations: [{ MetricNamespace: metricsNamespace, MetricName: metric, MetricValue: '1' }],
      });
    }
  });
});

describe('deriving IAM from ASL (schemas/asl.ts)', () => {
  const machine = (states: Record<string, unknown>): AslMachine =>
    ({ StartAt: Object.keys(states)[0], States: states }) as AslMachine;
  const task = (Resource: string, Parameters: Record<string, unknown>) => ({
    Type: 'Task',
    Resource,
    Parameters,
    End: true,
  });

  test('transactWriteItems: one item action per operation, on its table', () => {
    const asl = machine({
      Save: task('arn:aws:states:::aws-sdk:dynamodb:transactWriteItems', {
        TransactItems: [
          { Put: { TableName: '${UsersTable}' } },
          { Update: { TableName: '${ArticlesTable}' } },
          { Delete: { TableName: '${RelationsTable}' } },
          { ConditionCheck: { TableName: '${UsersTable}' } },
        ],
      }),
    });
    expect(requiredPermissions(asl, 'test')).toEqual([
      { kind: 'dynamodb', table: 'Users', action: 'PutItem' },
      { kind: 'dynamodb', table: 'Articles', action: 'UpdateItem' },
      { kind: 'dynamodb', table: 'Relations', action: 'DeleteItem' },
      { kind: 'dynamodb', table: 'Users', action: 'ConditionCheckItem' },
    ]);
  });

  test('query on an index, batchWriteItem keys, getItem, inside Map and Parallel', () => {
    const asl = machine({
      Each: {
        Type: 'Map',
        ItemProcessor: machine({
          Page: task('arn:aws:states:::aws-sdk:dynamodb:query', {
            TableName: '${ArticlesTable}',
            IndexName: 'byAuthor',
          }),
        }),
        Next: 'Both',
      },
      Both: {
        Type: 'Parallel',
        Branches: [
          machine({
            Write: task('arn:aws:states:::aws-sdk:dynamodb:batchWriteItem', {
              RequestItems: { '${RelationsTable}.$': '$.items' },
            }),
          }),
          machine({
            Get: task('arn:aws:states:::aws-sdk:dynamodb:getItem', {
              TableName: '${UsersTable}',
              'Key.$': '$.key',
            }),
          }),
        ],
        End: true,
      },
    });
    expect(requiredPermissions(asl, 'test')).toEqual([
      { kind: 'dynamodb', table: 'Articles', action: 'Query', index: 'byAuthor' },
      { kind: 'dynamodb', table: 'Relations', action: 'BatchWriteItem' },
      { kind: 'dynamodb', table: 'Users', action: 'GetItem' },
    ]);
  });

  test('lambda:invoke and states:startExecution name their targets through substitutions', () => {
    const lambdaName = 'issue-token';
    const workflowName = workflows[0]?.name ?? '';
    const pascal = (name: string) => name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
    const asl = machine({
      Call: task('arn:aws:states:::lambda:invoke', { FunctionName: `\${${pascal(lambdaName)}FunctionArn}` }),
      Continue: task('arn:aws:states:::states:startExecution', {
        StateMachineArn: `\${${pascal(workflowName)}StateMachineArn}`,
      }),
    });
    expect(requiredPermissions(asl, 'test')).toEqual([
      { kind: 'lambda', function: lambdaName },
      { kind: 'startExecution', workflow: workflowName },
    ]);
  });

  test.each([
    [
      'a table chosen at run time',
      task('arn:aws:states:::aws-sdk:dynamodb:putItem', { 'TableName.$': '$.table' }),
      /TableName must be a literal/,
    ],
    [
      'an unknown table variable',
      task('arn:aws:states:::aws-sdk:dynamodb:putItem', { TableName: '${NotATable}' }),
      /not a known/,
    ],
    [
      'run-time TransactItems without a declaration',
      task('arn:aws:states:::aws-sdk:dynamodb:transactWriteItems', { 'TransactItems.$': '$.items' }),
      /dynamic-task-access/,
    ],
    ['an unsupported integration', task('arn:aws:states:::sqs:sendMessage', {}), /unsupported resource/],
    [
      'a function chosen at run time',
      task('arn:aws:states:::lambda:invoke', { 'FunctionName.$': '$.fn' }),
      /FunctionName must be a literal/,
    ],
  ])('refuses %s', (_label, state, message) => {
    expect(() => requiredPermissions(machine({ Task: state }), 'test')).toThrow(message);
  });

  test('an unset ${...} is a synth error naming it', () => {
    const text = JSON.stringify({ TableName: '${UsersTable}', FunctionName: '${NoSuchFunctionArn}' });
    expect(() => assertAllSubstituted(text, knownVariables(), 'x.asl.json')).toThrow(
      /x\.asl\.json uses \$\{NoSuchFunctionArn\}/,
    );
    expect(() => assertAllSubstituted('{"TableName":"${UsersTable}"}', knownVariables(), 'x')).not.toThrow();
  });

  test('every declared run-time access names a registered workflow', () => {
    for (const key of Object.keys(dynamicTaskAccess)) {
      expect(workflows.map((workflow) => workflow.name)).toContain(key.split('/')[0]);
    }
  });
});
