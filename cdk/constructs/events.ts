/**
 * One EventBridge Pipe per entry of schemas/events.ts: the table's DynamoDB stream to its STANDARD
 * workflow. Each pipe filters to the records its workflow handles, batches them, starts the
 * workflow FIRE_AND_FORGET (the execution input is the batch), retries a failed start a bounded
 * number of times within a bounded record age, and then sends the batch to an SQS dead-letter
 * queue, with an alarm as soon as anything lands there. A workflow failing *after* it started is
 * not the pipe's concern: the STANDARD workflow has its own Retry/Catch and execution history.
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventSourceDefinition } from '../../schemas/events.ts';
import { pascalCase } from '../../schemas/naming.ts';
import { type TableId, tables } from '../../schemas/tables.ts';
import { findWorkflow } from '../../schemas/workflows.ts';
import { resourcePrefix, type StageConfig } from '../config.ts';
import { ANY_RESOURCE_FINDING, acknowledge } from '../nag.ts';
import type { ConduitWorkflows } from './workflows.ts';

export interface ConduitEventsProps {
  readonly config: StageConfig;
  readonly tables: Readonly<Record<TableId, ITableV2>>;
  readonly workflows: ConduitWorkflows;
  readonly sources: readonly EventSourceDefinition[];
}

/** Delivery limits of every pipe. */
export const PIPE_DEFAULTS = {
  batchSize: 10,
  /** No batching window: a batch starts as soon as records are read, as the local poller does. */
  maximumBatchingWindowSeconds: 0,
  /** Attempts to start the workflow again after a failed start, before the DLQ. */
  maximumRetryAttempts: 5,
  /** A record older than this goes to the DLQ instead of being retried (streams keep 24 h). */
  maximumRecordAgeSeconds: 3600,
} as const;

/** DynamoDB Streams allow two concurrent readers per shard. */
const MAX_READERS_PER_STREAM = 2;

export class ConduitEvents extends Construct {
  readonly pipes: readonly CfnPipe[];
  readonly deadLetterQueues: readonly Queue[];

  constructor(scope: Construct, id: string, props: ConduitEventsProps) {
    super(scope, id);
    const readers = new Map<TableId, number>();
    for (const source of props.sources) readers.set(source.table, (readers.get(source.table) ?? 0) + 1);
    for (const [table, count] of readers) {
      if (count > MAX_READERS_PER_STREAM) {
        throw new Error(
          `schemas/events.ts: ${count} pipes read the ${table} stream (at most ${MAX_READERS_PER_STREAM})`,
        );
      }
    }
    const built = props.sources.map((source) => this.createPipe(source, props));
    this.pipes = built.map((entry) => entry.pipe);
    this.deadLetterQueues = built.map((entry) => entry.deadLetterQueue);
  }

  private createPipe(source: EventSourceDefinition, props: ConduitEventsProps) {
    const where = `schemas/events.ts (${source.workflow})`;
    if (findWorkflow(source.workflow).type !== 'STANDARD') {
      throw new Error(`${where}: a stream-fed workflow must be STANDARD`);
    }
    if (!tables.find((table) => table.id === source.table)?.stream) {
      throw new Error(`${where}: table ${source.table} has no stream (schemas/tables.ts)`);
    }
    const streamArn = props.tables[source.table].tableStreamArn;
    if (!streamArn) throw new Error(`${where}: table ${source.table} exposes no stream ARN`);
    const stateMachine = props.workflows.get(source.workflow);
    const id = pascalCase(source.workflow);

    const deadLetterQueue = new Queue(this, `${id}DeadLetters`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    new Alarm(this, `${id}DeadLettersAlarm`, {
      alarmDescription: `Stream records for ${source.workflow} could not be delivered (see the DLQ)`,
      metric: deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const logGroup = new LogGroup(this, `${id}PipeLogs`, {
      retention: props.config.logRetention,
      removalPolicy: props.config.removalPolicy,
    });

    const role = new Role(this, `${id}PipeRole`, { assumedBy: new ServicePrincipal('pipes.amazonaws.com') });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        resources: [streamArn],
      }),
    );
    role.addToPolicy(new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }));
    stateMachine.grantStartExecution(role);
    deadLetterQueue.grantSendMessages(role);
    logGroup.grantWrite(role);

    const pipe = new CfnPipe(this, `${id}Pipe`, {
      name: `${resourcePrefix(props.config)}-${source.workflow}`.slice(0, 64),
      description: `${source.table} stream → ${source.workflow}`,
      roleArn: role.roleArn,
      source: streamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          // Replays what the stream still holds if the pipe is ever recreated; the workflows are idempotent.
          startingPosition: 'TRIM_HORIZON',
          batchSize: source.batchSize ?? PIPE_DEFAULTS.batchSize,
          maximumBatchingWindowInSeconds: PIPE_DEFAULTS.maximumBatchingWindowSeconds,
          maximumRetryAttempts: PIPE_DEFAULTS.maximumRetryAttempts,
          maximumRecordAgeInSeconds: PIPE_DEFAULTS.maximumRecordAgeSeconds,
          parallelizationFactor: 1,
          deadLetterConfig: { arn: deadLetterQueue.queueArn },
        },
        ...(source.filters.length > 0
          ? {
              filterCriteria: {
                filters: source.filters.map((pattern) => ({ pattern: JSON.stringify(pattern) })),
              },
            }
          : {}),
      },
      target: stateMachine.stateMachineArn,
      targetParameters: { stepFunctionStateMachineParameters: { invocationType: 'FIRE_AND_FORGET' } },
      logConfiguration: {
        level: 'ERROR',
        cloudwatchLogsLogDestination: { logGroupArn: logGroup.logGroupArn },
      },
    });
    pipe.node.addDependency(role);

    acknowledge(deadLetterQueue, {
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the pipe.',
    });
    acknowledge(role, {
      id: ANY_RESOURCE_FINDING,
      reason:
        'dynamodb:ListStreams has no resource-level permissions; the stream reads are scoped to the one stream ARN.',
    });
    return { pipe, deadLetterQueue };
  }
}
