import { App, type Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stageConfig } from '../../cdk/config.ts';
import { ConduitEvents, PIPE_DEFAULTS } from '../../cdk/constructs/events.ts';
import { eventSources } from '../../schemas/events.ts';
import { functions } from '../../schemas/functions.ts';
import { buildStacks, logicalId, resourcesOf, statementsOfRole, synthesize } from './synth.ts';

const dev = synthesize('dev');
const app = dev.stacks.application;

/** The 4 hex digits of cdk/config.ts perStackName, as CloudFormation computes them from the stack id. */
const stackIdDigits = {
  'Fn::Select': [
    1,
    { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] },
  ],
};

describe('Events: one EventBridge Pipe per schemas/events.ts entry', () => {
  test('exactly the registered sources', () => {
    dev.application.resourceCountIs('AWS::Pipes::Pipe', eventSources.length);
    dev.application.resourceCountIs('AWS::SQS::Queue', eventSources.length);
  });

  test.each(eventSources.map((source) => [`${source.table} → ${source.workflow}`, source] as const))(
    '%s: stream, filter, batching, retries, DLQ, FIRE_AND_FORGET',
    (_label, source) => {
      const tableId = logicalId(dev.stacks.data.tables[source.table]);
      const stateMachineId = logicalId(app.workflows.get(source.workflow));
      dev.application.hasResourceProperties('AWS::Pipes::Pipe', {
        Source: { 'Fn::ImportValue': Match.stringLikeRegexp(`${tableId}StreamArn`) },
        Target: { Ref: stateMachineId },
        TargetParameters: { StepFunctionStateMachineParameters: { InvocationType: 'FIRE_AND_FORGET' } },
        SourceParameters: {
          FilterCriteria:
            source.filters.length > 0
              ? { Filters: source.filters.map((pattern) => ({ Pattern: JSON.stringify(pattern) })) }
              : Match.absent(),
          DynamoDBStreamParameters: {
            StartingPosition: 'TRIM_HORIZON',
            BatchSize: source.batchSize ?? PIPE_DEFAULTS.batchSize,
            MaximumBatchingWindowInSeconds: 0,
            MaximumRetryAttempts: PIPE_DEFAULTS.maximumRetryAttempts,
            MaximumRecordAgeInSeconds: PIPE_DEFAULTS.maximumRecordAgeSeconds,
            ParallelizationFactor: 1,
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetters'), 'Arn'] } },
          },
        },
        LogConfiguration: Match.objectLike({ Level: 'ERROR' }),
      });
    },
  );

  test('every filter fits the Pipes limits (5 patterns, 4,096 characters each)', () => {
    for (const source of eventSources) {
      expect(source.filters.length).toBeLessThanOrEqual(5);
      for (const pattern of source.filters) expect(JSON.stringify(pattern).length).toBeLessThanOrEqual(4096);
    }
  });

  test('the article-events Pipe drops a MODIFY whose lastChange names a counter', () => {
    const articlePipe = Object.values(dev.application.findResources('AWS::Pipes::Pipe')).find(
      (pipe) => pipe.Properties.Target.Ref === logicalId(app.workflows.get('article-events')),
    );
    const patterns = articlePipe?.Properties.SourceParameters.FilterCriteria.Filters.map(
      (filter: { Pattern: string }) => JSON.parse(filter.Pattern),
    );
    const keys = { Keys: { pk: { S: [{ prefix: 'article#' }] } } };
    expect(patterns).toEqual([
      { eventName: ['INSERT', 'REMOVE'], dynamodb: keys },
      {
        eventName: ['MODIFY'],
        dynamodb: {
          ...keys,
          NewImage: { lastChange: { S: [{ 'anything-but': ['favoritesCount', 'commentSeq'] }] } },
        },
      },
      { eventName: ['MODIFY'], dynamodb: { ...keys, NewImage: { lastChange: { S: [{ exists: false }] } } } },
    ]);
  });

  test('the DLQ is encrypted, TLS-only, kept 14 days, and alarmed', () => {
    if (eventSources.length === 0) return;
    dev.application.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    dev.application.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    dev.application.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
    });
  });

  test('the pipe role reads only its stream and starts only its workflow', () => {
    for (const source of eventSources) {
      const tableId = logicalId(dev.stacks.data.tables[source.table]);
      dev.application.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
              Resource: { 'Fn::ImportValue': Match.stringLikeRegexp(`${tableId}StreamArn`) },
            }),
            Match.objectLike({
              Action: 'states:StartExecution',
              Resource: { Ref: logicalId(app.workflows.get(source.workflow)) },
            }),
          ]),
        },
      });
    }
  });

  describe('refuses a source that cannot work', () => {
    const build = () => buildStacks('dev').stacks.application;
    const standard = eventSources[0]?.workflow ?? 'relation-events';
    const attempt = (sources: ConstructorParameters<typeof ConduitEvents>[2]['sources']) => () => {
      const stack = build();
      new ConduitEvents(stack, 'More', {
        config: stageConfig('dev'),
        tables: dev.stacks.data.tables,
        workflows: stack.workflows,
        sources,
      });
    };
    test('an EXPRESS target', () => {
      expect(attempt([{ workflow: 'register-user', table: 'Relations', filters: [] }])).toThrow(
        /must be STANDARD/,
      );
    });
    test('a table without a stream', () => {
      expect(attempt([{ workflow: standard, table: 'Users', filters: [] }])).toThrow(/has no stream/);
    });
    test('more than two readers of one stream', () => {
      const source = { workflow: standard, table: 'Articles' as const, filters: [] };
      expect(attempt([source, source, source])).toThrow(/at most 2/);
    });
  });
});

describe('Search: the OpenSearch domain', () => {
  test('encrypted, HTTPS with TLS 1.2, logs published, sized by stage', () => {
    dev.search.hasResourceProperties('AWS::OpenSearchService::Domain', {
      DomainName: { 'Fn::Join': ['', ['conduit-dev-', stackIdDigits]] },
      EngineVersion: Match.stringLikeRegexp('^OpenSearch_'),
      ClusterConfig: Match.objectLike({
        InstanceCount: 1,
        InstanceType: 't3.small.search',
        ZoneAwarenessEnabled: false,
      }),
      EBSOptions: Match.objectLike({ EBSEnabled: true, VolumeType: 'gp3', VolumeSize: 10 }),
      EncryptionAtRestOptions: { Enabled: true },
      NodeToNodeEncryptionOptions: { Enabled: true },
      DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: 'Policy-Min-TLS-1-2-2019-07' },
      LogPublishingOptions: Match.objectLike({
        SEARCH_SLOW_LOGS: Match.objectLike({ Enabled: true }),
        INDEX_SLOW_LOGS: Match.objectLike({ Enabled: true }),
        ES_APPLICATION_LOGS: Match.objectLike({ Enabled: true }),
      }),
    });
  });

  test('access policy: IAM principals of this account only (SigV4), no anonymous access', () => {
    dev.search.hasResourceProperties('AWS::OpenSearchService::Domain', {
      AccessPolicies: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 'es:ESHttp*',
            Principal: {
              AWS: { 'Fn::Join': ['', Match.arrayWith([':iam::', { Ref: 'AWS::AccountId' }, ':root'])] },
            },
            Resource: { 'Fn::Join': ['', Match.arrayWith([':domain/conduit-dev-', stackIdDigits, '/*'])] },
          },
        ],
      },
    });
    expect(JSON.stringify(dev.search.toJSON())).not.toMatch(/"Principal":\s*"\*"|"AWS":\s*"\*"/);
  });

  test("functions are granted on this stage's domain only: its name with the 4 per-stack digits as ????", () => {
    const grants = functions
      .filter((fn) => fn.search)
      .flatMap((fn) =>
        statementsOfRole(dev.application, logicalId(app.functions.get(fn.name).role as never))
          .filter((statement) => JSON.stringify(statement.Action).includes('es:'))
          .flatMap(resourcesOf),
      );
    expect(grants.length).toBeGreaterThan(0);
    for (const resource of grants)
      expect(resource).toEqual({ 'Fn::Join': ['', expect.arrayContaining([':domain/conduit-dev-????/*'])] });
  });

  test('no custom resource is needed for the access or log policies', () => {
    dev.search.resourceCountIs('AWS::Lambda::Function', 0);
    dev.search.resourceCountIs('AWS::Logs::ResourcePolicy', 1);
  });

  test('functions with search access get the endpoint and the index replicas: none on a one-node domain', () => {
    const prod = synthesize('prod');
    for (const [stage, template, replicas] of [
      ['dev', dev, '0'],
      ['prod', prod, '1'],
    ] as const) {
      for (const definition of functions.filter((fn) => fn.search)) {
        template.application.hasResourceProperties('AWS::Lambda::Function', {
          Description: Match.stringLikeRegexp(`: ${definition.name} \\(`),
          Environment: {
            Variables: Match.objectLike({
              OPENSEARCH_ENDPOINT: Match.anyValue(),
              OPENSEARCH_REPLICAS: replicas,
            }),
          },
        });
      }
      expect({ stage, output: template.search.findOutputs('SearchReplicas').SearchReplicas?.Value }).toEqual({
        stage,
        output: replicas,
      });
    }
  });

  test('prod runs two nodes across two AZs', async () => {
    const { SearchStack } = await import('../../cdk/stacks/search-stack.ts');
    const { Template } = await import('aws-cdk-lib/assertions');
    const stack = new SearchStack(new App(), 'Search', { config: stageConfig('prod') });
    Template.fromStack(stack).hasResourceProperties('AWS::OpenSearchService::Domain', {
      ClusterConfig: Match.objectLike({
        InstanceCount: 2,
        ZoneAwarenessEnabled: true,
        ZoneAwarenessConfig: { AvailabilityZoneCount: 2 },
      }),
    });
    Template.fromStack(stack).hasResource('AWS::OpenSearchService::Domain', { DeletionPolicy: 'Retain' });
  });
});

describe('cdk-nag AwsSolutions', () => {
  const prod = buildStacks('prod');
  const stages = { dev: { app: dev.app, stacks: dev.stacks }, prod };
  test.each(
    (['dev', 'prod'] as const).flatMap((stage) =>
      (['data', 'search', 'application'] as const).map((name) => [stage, name] as const),
    ),
  )('%s %s stack: no unacknowledged finding', (stage, name) => {
    const { app: stageApp, stacks } = stages[stage];
    const stack: Stack = stacks[name];
    const report = new AwsSolutionsChecks(stageApp).validateScope(stack);
    const findings = report.violations.map(
      (violation) =>
        `${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });

  test('every acknowledgement carries a reason', () => {
    const acknowledgements: [string, string][] = [];
    for (const stack of Object.values(dev.stacks)) {
      for (const construct of stack.node.findAll()) {
        for (const entry of construct.node.metadata) {
          if (entry.type !== 'aws:cdk:acknowledged-rules') continue;
          acknowledgements.push(...Object.entries(entry.data as Record<string, string>));
        }
      }
    }
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const [id, reason] of acknowledgements) {
      expect({ id, explained: typeof reason === 'string' && reason.length > 30 }).toEqual({
        id,
        explained: true,
      });
    }
  });
});
