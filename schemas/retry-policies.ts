/**
 * The Retry clauses of the ASL files, each named once. A JSON workflow file cannot import, so each
 * file spells its clauses out; test/cdk/asl.test.ts requires every Retry to be exactly one of these
 * and every Task to carry the one its integration needs, so a copy cannot drift.
 *
 * Waits are 1, 2, 4… s. Express workflows answer a waiting client: their retries end within 7 s
 * (API Gateway gives up at 29 s). Standard workflows run in the background and wait longer.
 * Conflicts and unavailable dependencies retry with full jitter, so executions that failed together
 * do not retry together; throttles retry without it, so that a DynamoDB Local restart (3–10 s) is
 * outlasted by the full 7 s rather than a random share of it.
 */

const DYNAMODB_TRANSIENT = [
  'DynamoDb.ProvisionedThroughputExceededException',
  'DynamoDb.ThrottlingException',
  'DynamoDb.RequestLimitExceededException',
  'DynamoDb.InternalServerErrorException',
];

export const retryPolicies = {
  /** A DynamoDB task of an express workflow: throttled or failing for a moment. */
  dynamoDbWhileAnswering: {
    ErrorEquals: DYNAMODB_TRANSIENT,
    IntervalSeconds: 1,
    MaxAttempts: 3,
    BackoffRate: 2,
  },
  /** A DynamoDB task of a standard workflow: nobody waits, so it waits longer (31 s in all). */
  dynamoDbInBackground: {
    ErrorEquals: DYNAMODB_TRANSIENT,
    IntervalSeconds: 1,
    MaxAttempts: 5,
    BackoffRate: 2,
  },
  /** Lambda's transient errors (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html). */
  lambdaService: {
    ErrorEquals: [
      'Lambda.ClientExecutionTimeoutException',
      'Lambda.ServiceException',
      'Lambda.AWSLambdaException',
      'Lambda.SdkClientException',
      'Lambda.TooManyRequestsException',
    ],
    IntervalSeconds: 1,
    MaxAttempts: 3,
    BackoffRate: 2,
  },
  /** StartExecution refused for now (a throttle is reported as AWSStepFunctionsException). */
  startExecution: {
    ErrorEquals: [
      'StepFunctions.ExecutionLimitExceededException',
      'StepFunctions.SdkClientException',
      'StepFunctions.AWSStepFunctionsException',
      'StepFunctions.StepFunctionsException',
    ],
    IntervalSeconds: 1,
    MaxAttempts: 5,
    BackoffRate: 2,
  },
  /** A transaction cancelled for a conflict, turned into this error by the "Try to save …" Parallel. */
  transactionConflict: {
    ErrorEquals: ['TransactionConflict'],
    IntervalSeconds: 1,
    MaxAttempts: 3,
    BackoffRate: 2,
    JitterStrategy: 'FULL',
  },
  /** A single-item write to an item a transaction holds. */
  transactionConflictException: {
    ErrorEquals: ['DynamoDb.TransactionConflictException'],
    IntervalSeconds: 1,
    MaxAttempts: 3,
    BackoffRate: 2,
    JitterStrategy: 'FULL',
  },
  /** A search task's index refused for now (lambdas/shared/search/article-search.ts). */
  searchUnavailable: {
    ErrorEquals: ['SearchUnavailable'],
    IntervalSeconds: 1,
    MaxAttempts: 4,
    BackoffRate: 2,
    JitterStrategy: 'FULL',
  },
  /** A task's read of DynamoDB failed past the SDK's own retries (lambdas/shared/errors.ts). */
  dependencyUnavailable: {
    ErrorEquals: ['DependencyUnavailable'],
    IntervalSeconds: 1,
    MaxAttempts: 4,
    BackoffRate: 2,
    JitterStrategy: 'FULL',
  },
} as const;

export type RetryPolicyName = keyof typeof retryPolicies;

/** The name of the policy a Retry clause is exactly, or undefined. */
export function retryPolicyOf(retrier: unknown): RetryPolicyName | undefined {
  const text = JSON.stringify(sorted(retrier));
  return (Object.keys(retryPolicies) as RetryPolicyName[]).find(
    (name) => JSON.stringify(sorted(retryPolicies[name])) === text,
  );
}

/** A value with its object keys sorted, so that two clauses compare by content, not key order. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, entry]) => [key, sorted(entry)]),
  );
}
