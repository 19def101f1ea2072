/**
 * Observability of the workflow Tasks: every Lambda Task's payload carries the execution's name as
 * the correlation id; a task logs with the Lambda context and that id, and publishes its business
 * metrics as one EMF line; the local runtime shows those lines compactly in a terminal.
 */

import { marshall } from '@aws-sdk/util-dynamodb';
import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { compactLogLine } from '../../local/log-format.ts';
import { loadWorkflow, taskResource, taskStates } from '../../schemas/asl.ts';
import { metricsNamespace } from '../../schemas/functions.ts';
import { workflowFile, workflows } from '../../schemas/workflows.ts';

const context = {
  functionName: 'plan-fan-out-writes',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:plan-fan-out-writes',
  memoryLimitInMB: '512',
  awsRequestId: 'lambda-request-1',
} as Context;

type Observability = typeof import('../../lambdas/shared/observability.ts');
type FanOutPlanner = typeof import('../../lambdas/tasks/plan-fan-out-writes.ts');
let observability: Observability;
let planner: FanOutPlanner;

beforeAll(async () => {
  // As CDK configures the functions; read when the modules are imported.
  process.env.POWERTOOLS_METRICS_NAMESPACE = metricsNamespace;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  observability = await import('../../lambdas/shared/observability.ts');
  planner = await import('../../lambdas/tasks/plan-fan-out-writes.ts');
});

afterEach(() => {
  jest.restoreAllMocks();
});

/** The JSON lines written to stdout while `run` runs. */
async function stdoutLines(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: Record<string, unknown>[] = [];
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    for (const line of String(chunk).split('\n')) if (line.startsWith('{')) lines.push(JSON.parse(line));
    return true;
  });
  await run();
  jest.restoreAllMocks();
  return lines;
}

describe('correlation id', () => {
  it('every Lambda Task passes the execution name as correlationId', () => {
    for (const workflow of workflows) {
      const { asl } = loadWorkflow(workflow);
      for (const { name, state } of taskStates(asl)) {
        if (taskResource(state.Resource ?? '')?.kind !== 'lambda') continue;
        const payload = state.Parameters?.Payload as Record<string, unknown> | undefined;
        expect({
          file: workflowFile(workflow),
          state: name,
          correlationId: payload?.['correlationId.$'],
        }).toEqual({ file: workflowFile(workflow), state: name, correlationId: '$$.Execution.Name' });
      }
    }
  });
});

describe('workflowTask', () => {
  it('logs with the Lambda context and the correlation id, then forgets them', async () => {
    const task = observability.workflowTask(async ({ step }: { step: string }) => {
      observability.logger.info('working', { step });
      return step;
    });
    const lines = await stdoutLines(async () => {
      expect(await task({ step: 'one', correlationId: 'request-1' }, context)).toBe('one');
      await task({ step: 'two' }, context);
    });
    expect(lines[0]).toMatchObject({
      message: 'working',
      step: 'one',
      correlation_id: 'request-1',
      function_name: 'plan-fan-out-writes',
      function_request_id: 'lambda-request-1',
    });
    expect(lines[1]).not.toHaveProperty('correlation_id');
  });

  it('publishes the feed entries a fan-out page writes as one EMF line', async () => {
    const followers = ['reader-1', 'reader-2'].map((sk) => marshall({ pk: 'followers#author-1', sk }));
    const job = {
      kind: 'feed-article' as const,
      partition: 'followers#author-1',
      articleId: 'article-1',
      authorId: 'author-1',
      createdAt: '2026-01-02T03:04:05.678Z',
    };
    const lines = await stdoutLines(() =>
      planner.handler({ job, items: followers, correlationId: 'execution-1' }, context),
    );
    const emf = lines.filter((line) => '_aws' in line);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      _aws: {
        CloudWatchMetrics: [{ Namespace: metricsNamespace, Metrics: [{ Name: 'FeedEntriesWritten' }] }],
      },
      FeedEntriesWritten: 2,
      correlation_id: 'execution-1',
    });
    // A page that writes no feed entry publishes nothing.
    const quiet = await stdoutLines(() =>
      planner.handler({ job: { kind: 'delete-comments', partition: 'comments#a' }, items: [] }, context),
    );
    expect(quiet.filter((line) => '_aws' in line)).toEqual([]);
  });
});

describe('compactLogLine', () => {
  it('shows a Powertools line as time, level, function, correlation id, message and the rest', () => {
    const line = JSON.stringify({
      level: 'INFO',
      message: 'Token rejected',
      timestamp: '2026-11-30T08:00:01.234Z',
      service: 'conduit',
      function_name: 'authorizer',
      function_request_id: 'x',
      cold_start: true,
      correlation_id: '0dc8af8b-1641-444b-8bdb-78aeb579b954',
      reason: 'expired',
    });
    expect(compactLogLine(line)).toBe(
      '08:00:01.234 INFO  authorizer [0dc8af8b] Token rejected {"reason":"expired"}',
    );
  });

  it('shows an EMF line as its metrics and values', () => {
    const line = JSON.stringify({
      _aws: {
        Timestamp: Date.parse('2026-11-30T08:00:01.234Z'),
        CloudWatchMetrics: [
          {
            Namespace: 'Conduit',
            Dimensions: [['service']],
            Metrics: [{ Name: 'ArticlesCreated', Unit: 'Count' }],
          },
        ],
      },
      service: 'conduit',
      ArticlesCreated: 1,
      correlation_id: 'abcdef0123',
    });
    expect(compactLogLine(line)).toBe('08:00:01.234 METRIC conduit [abcdef01] Conduit/ArticlesCreated=1');
  });

  it('leaves any other line alone', () => {
    expect(compactLogLine('GET /api/tags 200 3ms')).toBeUndefined();
    expect(compactLogLine('{"not":"a log line"}')).toBeUndefined();
  });
});
