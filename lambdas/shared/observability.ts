/**
 * Powertools logger, tracer and metrics, one per execution environment, and the edge of every
 * workflow Task (`workflowTask`): the Lambda context in its logs, the correlation id its payload
 * carries, its business metrics published as EMF once it returns or throws.
 *
 * The correlation id is the execution's name (`$$.Execution.Name`, which every Lambda Task's payload
 * passes as `correlationId`): for an express workflow it is API Gateway's request id, the id the API
 * Lambdas log too, so one id finds a request's gateway log, execution and Lambda logs.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'conduit';
export const logger = new Logger({ serviceName });
export const tracer = new Tracer({ serviceName });
/** The namespace comes from POWERTOOLS_METRICS_NAMESPACE (CDK and the local runtime set it). */
export const metrics = new Metrics({ serviceName });

/** The business metrics, each emitted where it happens. */
export const businessMetric = {
  /** An article INSERT read from the Articles stream (at least once: a redelivered batch counts again). */
  articlesCreated: 'ArticlesCreated',
  /** Feed entries a fan-out page puts (the workflow's BatchWriteItem writes them). */
  feedEntriesWritten: 'FeedEntriesWritten',
} as const;

export const countMetric = (
  name: (typeof businessMetric)[keyof typeof businessMetric],
  count: number,
): void => {
  if (count > 0) metrics.addMetric(name, MetricUnit.Count, count);
};

/** What the workflows add to every Lambda Task's payload. */
export interface TaskEnvelope {
  /** The execution's name: for an express workflow, the API request id. */
  readonly correlationId?: string;
}

/** Wraps a workflow Task's handler with the Lambda context, the correlation id and the metrics. */
export function workflowTask<Input, Output>(run: (input: Input) => Promise<Output>) {
  // The context is optional so that tests may call a task as the function it is.
  return async (event: Input & TaskEnvelope, context?: Context): Promise<Output> => {
    if (context) logger.addContext(context);
    if (typeof event.correlationId === 'string') {
      logger.setCorrelationId(event.correlationId);
      metrics.addMetadata('correlation_id', event.correlationId);
    }
    try {
      return await run(event);
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      else metrics.clearMetadata();
      logger.resetKeys();
    }
  };
}
