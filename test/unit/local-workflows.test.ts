/** The local runner's fidelity rules: error names as Step Functions raises them, substitutions. */

import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { dynamoDbTaskError, substitute } from '../../local/workflows.ts';

const metadata = { httpStatusCode: 400, requestId: 'REQ1' };

describe('dynamoDbTaskError', () => {
  it('names aws-sdk integration errors DynamoDb.<Name> with the SDK-style cause', () => {
    const error = dynamoDbTaskError(
      new TransactionCanceledException({
        message:
          'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]',
        $metadata: metadata,
      }),
      false,
    );
    expect(error.name).toBe('DynamoDb.TransactionCanceledException');
    expect(error.message).toBe(
      'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed] (Service: DynamoDb, Status Code: 400, Request ID: REQ1)',
    );
  });

  it('names optimized integration errors DynamoDB.<Name> (capital DB)', () => {
    const error = dynamoDbTaskError(
      new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: metadata }),
      true,
    );
    expect(error.name).toBe('DynamoDB.ConditionalCheckFailedException');
    expect(error.message).toContain('Error Code: ConditionalCheckFailedException');
  });

  it('maps errors the SDK does not model to the generic names', () => {
    const unmodelled = new DynamoDBServiceException({
      name: 'ValidationException',
      $fault: 'client',
      message: 'One or more parameter values were invalid',
      $metadata: metadata,
    });
    expect(dynamoDbTaskError(unmodelled, false).name).toBe('DynamoDb.DynamoDbException');
    expect(dynamoDbTaskError(unmodelled, true).name).toBe('DynamoDB.AmazonDynamoDBException');
  });
});

describe('substitute', () => {
  it('replaces every variable and fails on an unset one', () => {
    expect(substitute('{"T":"${UsersTable}","F":"${UsersTable}"}', { UsersTable: 'users' }, 'f.json')).toBe(
      '{"T":"users","F":"users"}',
    );
    expect(() => substitute('"${Missing}"', {}, 'f.json')).toThrow('f.json: no value for ${Missing}');
  });
});
