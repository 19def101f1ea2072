/**
 * The idempotency frame of the express workflows (state-machines/README.md, "Idempotent writes"): the
 * states every express ASL file wraps its own in, so that a request sent with an Idempotency-Key runs
 * once and its outcome is replayed. A JSON workflow file cannot import, so each file holds the frame
 * itself; `npm run asl:frame` writes it into them (ops/frame-workflows.ts) and test/cdk/asl.test.ts
 * requires every express file to be exactly its own states inside this frame, so no copy drifts.
 *
 * The claim is a conditional PutItem: it succeeds for a key never seen, expired (past its TTL but not
 * yet deleted: TTL deletion lags), released (its request failed in a way worth retrying), still
 * running past its lease (its execution died) or claimed by this very execution (a retried put that
 * DynamoDB had applied); any other claim fails and the first outcome decides the answer.
 */
import type { AslMachine } from './asl.ts';
import { functionSubstitution } from './functions.ts';
import { retryPolicies } from './retry-policies.ts';
import { tableSubstitution } from './tables.ts';

/**
 * The failures of a request whose answer is kept with its cause (the RealWorld error body). `Unavailable`
 * wrote nothing and asks for a retry, so it releases the key; any other failure may come after the
 * request wrote (a presenting task failing past its retries), so it is kept too, without its cause,
 * and replayed rather than run again.
 */
export const businessErrors = ['Validation', 'Unauthorized', 'Forbidden', 'NotFound', 'Conflict'] as const;

/** The request header that carries the key (also read, by name, by the request template). */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
/** A key is part of a DynamoDB key: 1 to 255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** The longest an EXPRESS execution runs: a claim whose execution died frees its key after this. */
export const LEASE_SECONDS = 300;
/** How long a key and its outcome are kept (the item's TTL). */
export const RETENTION_SECONDS = 24 * 60 * 60;

/** The states a workflow's own are wrapped in: the Parallel that runs them. */
export const RUN_STATE = 'Run the request';
/** The Fail state that fails the execution with the failure of the workflow's own states. */
export const PASS_ON_STATE = 'Fail as the request did';

export const idempotencyErrors = {
  reused: { errors: { 'Idempotency-Key': ['was used with a different request'] } },
  busy: { errors: { 'Idempotency-Key': ['is in use by a request still running, retry shortly'] } },
} as const;

const table = `\${${tableSubstitution('Idempotency')}}`;
const key = { pk: { 'S.$': '$.idempotency.value.pk' } };

/** The DynamoDB item of an outcome: the key, its fingerprint and expiry, and what is kept. */
const outcomeItem = (outcome: string, kept: Record<string, unknown>) => ({
  Type: 'Pass',
  Parameters: {
    ...key,
    fingerprint: { 'S.$': '$.idempotency.value.fingerprint' },
    outcome: { S: outcome },
    expiresAt: { 'N.$': '$.idempotency.value.expiresAt' },
    ...kept,
  },
  ResultPath: '$.outcome',
  Next: 'Keep the outcome',
});

/** The whole definition of an express workflow: its own states inside the frame. */
export function framed(workflow: string, comment: unknown, own: AslMachine): AslMachine {
  return {
    ...(typeof comment === 'string' ? { Comment: comment } : {}),
    StartAt: 'Is an idempotency key given?',
    States: {
      'Is an idempotency key given?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.idempotencyKey', StringEquals: '', Next: RUN_STATE }],
        Default: 'Fingerprint the request',
      },
      'Fingerprint the request': {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: {
          FunctionName: `\${${functionSubstitution('fingerprint-request')}}`,
          Payload: {
            'correlationId.$': '$$.Execution.Name',
            workflow,
            'key.$': '$.idempotencyKey',
            'userId.$': '$.auth.userId',
            'path.$': '$.path',
            'query.$': '$.query',
            'body.$': '$.body',
          },
        },
        ResultSelector: { 'value.$': '$.Payload' },
        ResultPath: '$.idempotency',
        Retry: [retryPolicies.lambdaService],
        Next: 'Is the idempotency key usable?',
      },
      'Is the idempotency key usable?': {
        Type: 'Choice',
        Choices: [
          {
            Variable: '$.idempotency.value.errors',
            IsPresent: true,
            Next: 'Describe the unusable idempotency key',
          },
        ],
        Default: 'Claim the idempotency key',
      },
      'Describe the unusable idempotency key': {
        Type: 'Pass',
        Parameters: { 'cause.$': 'States.JsonToString($.idempotency.value)' },
        Next: 'Reject the unusable idempotency key',
      },
      'Reject the unusable idempotency key': { Type: 'Fail', Error: 'Validation', CausePath: '$.cause' },
      'Claim the idempotency key': {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem',
        Parameters: {
          TableName: table,
          Item: {
            ...key,
            fingerprint: { 'S.$': '$.idempotency.value.fingerprint' },
            outcome: { S: 'running' },
            claimedBy: { 'S.$': '$$.Execution.Name' },
            leaseExpiresAt: { 'N.$': '$.idempotency.value.leaseExpiresAt' },
            expiresAt: { 'N.$': '$.idempotency.value.expiresAt' },
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR expiresAt < :now OR #outcome = :released OR (#outcome = :running AND (leaseExpiresAt < :now OR claimedBy = :me))',
          ExpressionAttributeNames: { '#outcome': 'outcome' },
          ExpressionAttributeValues: {
            ':now': { 'N.$': '$.idempotency.value.now' },
            ':me': { 'S.$': '$$.Execution.Name' },
            ':released': { S: 'released' },
            ':running': { S: 'running' },
          },
        },
        ResultPath: null,
        Retry: [retryPolicies.dynamoDbWhileAnswering],
        Catch: [
          {
            ErrorEquals: ['DynamoDb.ConditionalCheckFailedException'],
            ResultPath: null,
            Next: 'Read the first request',
          },
        ],
        Next: RUN_STATE,
      },
      'Read the first request': {
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:getItem',
        Parameters: { TableName: table, Key: key, ConsistentRead: true },
        ResultPath: '$.first',
        Retry: [retryPolicies.dynamoDbWhileAnswering],
        Next: 'How did the first request end?',
      },
      'How did the first request end?': {
        Comment:
          'An item gone since the claim was released or expired a moment ago: the client retries as for a running one.',
        Type: 'Choice',
        Choices: [
          {
            Not: { Variable: '$.first.Item', IsPresent: true },
            Next: 'Reject the busy idempotency key',
          },
          {
            Not: {
              Variable: '$.first.Item.fingerprint.S',
              StringEqualsPath: '$.idempotency.value.fingerprint',
            },
            Next: 'Reject the reused idempotency key',
          },
          {
            Variable: '$.first.Item.outcome.S',
            StringEquals: 'succeeded',
            Next: 'Replay the first response',
          },
          { Variable: '$.first.Item.outcome.S', StringEquals: 'failed', Next: 'Replay the first failure' },
        ],
        Default: 'Reject the busy idempotency key',
      },
      'Reject the reused idempotency key': {
        Type: 'Fail',
        Error: 'Validation',
        Cause: JSON.stringify(idempotencyErrors.reused),
      },
      'Reject the busy idempotency key': {
        Type: 'Fail',
        Error: 'Conflict',
        Cause: JSON.stringify(idempotencyErrors.busy),
      },
      'Replay the first response': {
        Type: 'Pass',
        Parameters: { 'response.$': 'States.StringToJson($.first.Item.response.S)' },
        OutputPath: '$.response',
        End: true,
      },
      'Replay the first failure': {
        Type: 'Fail',
        ErrorPath: '$.first.Item.error.S',
        CausePath: '$.first.Item.cause.S',
      },
      [RUN_STATE]: {
        Comment: "The workflow's own states. Their answer, success or failure, is kept for a keyed request.",
        Type: 'Parallel',
        Branches: [own],
        ResultSelector: { 'value.$': '$[0]' },
        ResultPath: '$.response',
        Catch: [
          { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Was the failed request keyed?' },
        ],
        Next: 'Was the request keyed?',
      },
      'Was the request keyed?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.idempotency', IsPresent: true, Next: 'Describe the response to keep' }],
        Default: 'Answer as the request did',
      },
      'Describe the response to keep': outcomeItem('succeeded', {
        response: { 'S.$': 'States.JsonToString($.response.value)' },
      }),
      'Was the failed request keyed?': {
        Type: 'Choice',
        Choices: [
          { Not: { Variable: '$.idempotency', IsPresent: true }, Next: 'Answer as the request did' },
          { Variable: '$.failure.Error', StringEquals: 'Unavailable', Next: 'Describe the released key' },
          {
            Or: businessErrors.map((error) => ({ Variable: '$.failure.Error', StringEquals: error })),
            Next: 'Describe the failure to keep',
          },
        ],
        Default: 'Describe the fault to keep',
      },
      'Describe the failure to keep': outcomeItem('failed', {
        error: { 'S.$': '$.failure.Error' },
        cause: { 'S.$': '$.failure.Cause' },
      }),
      'Describe the fault to keep': outcomeItem('failed', {
        error: { 'S.$': '$.failure.Error' },
        cause: { S: '' },
      }),
      'Describe the released key': outcomeItem('released', {}),
      'Keep the outcome': {
        Comment:
          'Not kept (DynamoDB failing past the retries), the request still answers as it did: its key stays claimed until the lease ends.',
        Type: 'Task',
        Resource: 'arn:aws:states:::aws-sdk:dynamodb:putItem',
        Parameters: { TableName: table, 'Item.$': '$.outcome' },
        ResultPath: null,
        Retry: [retryPolicies.dynamoDbWhileAnswering],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'Answer as the request did' }],
        Next: 'Answer as the request did',
      },
      'Answer as the request did': {
        Type: 'Choice',
        Choices: [{ Variable: '$.failure', IsPresent: true, Next: PASS_ON_STATE }],
        Default: 'Answer with the response',
      },
      [PASS_ON_STATE]: { Type: 'Fail', ErrorPath: '$.failure.Error', CausePath: '$.failure.Cause' },
      'Answer with the response': { Type: 'Pass', InputPath: '$.response.value', End: true },
    },
  };
}

/** A framed workflow's own states: the branch of its "Run the request" Parallel. */
export function ownStates(machine: AslMachine): AslMachine {
  const own = machine.States[RUN_STATE]?.Branches?.[0];
  if (!own) throw new Error(`no "${RUN_STATE}" Parallel: the file is not framed (npm run asl:frame)`);
  return own;
}
