/** The local runner's fidelity rules: error names as Step Functions raises them, substitutions. */

import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  GetItemCommand,
  InternalServerError,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { freePort, localAwsConfig } from '../../local/dynamodb-local.ts';
import type { LocalLambdas } from '../../local/lambdas.ts';
import { localTableNames } from '../../local/tables.ts';
import { dynamoDbTaskError, LocalWorkflows } from '../../local/workflows.ts';
import { substitute } from '../../schemas/asl.ts';

const metadata = { httpStatusCode: 400, requestId: 'REQ1' };

describe('dynamoDbTaskError', () => {
  it('names aws-sdk integration errors DynamoDb.<Name> with the SDK-style cause', () => {
    const error = dynamoDbTaskError(
      new TransactionCanceledException({
        message:
          'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]',
        $metadata: metadata,
      }),
    );
    expect(error.name).toBe('DynamoDb.TransactionCanceledException');
    expect(error.message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed] (Service: DynamoDb, Status Code: 400, Request ID: REQ1)',
    );
  });

  it('names a modelled error after its class', () => {
    const error = dynamoDbTaskError(
      new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: metadata }),
    );
    expect(error.name).toBe('DynamoDb.ConditionalCheckFailedException');
  });

  it('maps errors the SDK does not model to the generic name', () => {
    const unmodelled = new DynamoDBServiceException({
      name: 'ValidationException',
      $fault: 'client',
      message: 'One or more parameter values were invalid',
      $metadata: metadata,
    });
    expect(dynamoDbTaskError(unmodelled).name).toBe('DynamoDb.DynamoDbException');
  });
});

describe('dynamoDbTaskError for a DynamoDB that is down', () => {
  /** The error the SDK really raises when nothing listens on DynamoDB's port. */
  async function connectionRefused(): Promise<unknown> {
    const client = new DynamoDBClient({
      ...localAwsConfig,
      endpoint: `http://127.0.0.1:${await freePort()}`,
    });
    try {
      await client.send(new GetItemCommand({ TableName: 'any', Key: { pk: { S: 'x' } } }));
    } catch (error) {
      return error;
    } finally {
      client.destroy();
    }
    throw new Error('a call to a closed port succeeded');
  }

  it('reports a refused connection as the 500 InternalServerError a failing DynamoDB answers in AWS', async () => {
    const refused = await connectionRefused();
    // Under jest the SDK wraps it ("AWS SDK error wrapper for Error: connect ECONNREFUSED …"): the
    // error comes from another realm. In a plain Node process it keeps its code; both are recognized.
    expect((refused as Error).message).toContain('connect ECONNREFUSED');

    const sdk = dynamoDbTaskError(refused);
    expect(sdk.name).toBe('DynamoDb.InternalServerErrorException');
    expect(sdk.message).toMatch(
      /connect ECONNREFUSED 127\.0\.0\.1:\d+ \(Service: DynamoDb, Status Code: 500, /,
    );
  });

  it('does the same for a connection broken mid-request (socket hang up)', () => {
    const hangUp = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(dynamoDbTaskError(hangUp).name).toBe('DynamoDb.InternalServerErrorException');
    expect(dynamoDbTaskError(new Error('socket hang up')).name).toBe('DynamoDb.InternalServerErrorException');
  });

  it('names modelled errors after their exception class, which always ends in Exception', () => {
    const serverError = new InternalServerError({
      message: 'Internal server error',
      $metadata: { httpStatusCode: 500 },
    });
    expect(dynamoDbTaskError(serverError).name).toBe('DynamoDb.InternalServerErrorException');
  });

  it('leaves other failures that are not the service failing as they were', () => {
    const bug = new TypeError('Cannot read properties of undefined');
    expect(dynamoDbTaskError(bug).name).toBe('DynamoDb.DynamoDbException');
    expect(dynamoDbTaskError(bug).message).toContain('Status Code: 400');
  });
});

describe('substitute', () => {
  it('replaces every variable and fails on an unset one', () => {
    expect(substitute('{"T":"${UsersTable}","F":"${UsersTable}"}', { UsersTable: 'users' }, 'f.json')).toBe(
      '{"T":"users","F":"users"}',
    );
    expect(() => substitute('"${Missing}"', {}, 'f.json')).toThrow('f.json uses ${Missing} with no value');
  });
});

describe('Lambda tasks', () => {
  it('pass the payload and the result as JSON, as Lambda does', async () => {
    // A handler that alters its event and returns an undefined key and a Date.
    const lambdas = {
      has: () => true,
      invoke: async (_name: string, event: Record<string, unknown>) => {
        event.altered = true;
        return { kept: 'yes', dropped: undefined, at: new Date(0) };
      },
    } as unknown as LocalLambdas;
    // Each difference from AWS ends the execution in its own Fail state; output JSON would hide them.
    const definition = {
      StartAt: 'Call the function',
      States: {
        'Call the function': {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: {
            FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:probe',
            'Payload.$': '$',
          },
          ResultSelector: { 'payload.$': '$.Payload' },
          ResultPath: '$.result',
          Next: 'Compare with AWS',
        },
        'Compare with AWS': {
          Type: 'Choice',
          Choices: [
            { Variable: '$.result.payload.dropped', IsPresent: true, Next: 'Undefined key kept' },
            { Variable: '$.altered', IsPresent: true, Next: 'Event shared with the state' },
            { Not: { Variable: '$.result.payload.at', IsString: true }, Next: 'Date not serialized' },
          ],
          Default: 'Same as AWS',
        },
        'Undefined key kept': { Type: 'Fail', Error: 'UndefinedKeyKept' },
        'Event shared with the state': { Type: 'Fail', Error: 'EventShared' },
        'Date not serialized': { Type: 'Fail', Error: 'DateNotSerialized' },
        'Same as AWS': { Type: 'Succeed' },
      },
    };
    const workflows = new LocalWorkflows(
      { dynamoDb: new DynamoDBClient({}), tableNames: localTableNames('x-'), lambdas },
      [{ name: 'probe', type: 'EXPRESS', carriesSecrets: false }],
      () => JSON.stringify(definition),
    );
    const result = await workflows.startSync('probe', { original: true });
    expect(result).toMatchObject({ status: 'SUCCEEDED' });
    expect(JSON.parse(result.output ?? '')).toEqual({
      original: true,
      result: { payload: { kept: 'yes', at: '1970-01-01T00:00:00.000Z' } },
    });
  });
});
