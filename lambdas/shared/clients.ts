/**
 * SDK clients, created once per execution environment (module scope) and traced with X-Ray.
 * DYNAMODB_ENDPOINT points them at DynamoDB Local; in AWS it is unset.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from './observability.ts';

const endpoint = process.env.DYNAMODB_ENDPOINT;

export const dynamoDb = tracer.captureAWSv3Client(
  new DynamoDBClient(
    endpoint
      ? {
          endpoint,
          region: process.env.AWS_REGION ?? 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {},
  ),
);

export const documentClient = DynamoDBDocumentClient.from(dynamoDb, {
  marshallOptions: { removeUndefinedValues: true },
});
