/**
 * The authorizer's IAM policy. It covers the whole stage, not the method ARN it was asked about: a
 * cached policy is reused on every route of its authorizer (schemas/routes.ts `requiredAuthCache`),
 * and the decision never depends on the route once a header is present.
 */
import type { APIGatewayAuthorizerResult } from 'aws-lambda';

/** arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path> → every method and path of the stage. */
export const stageArn = (methodArn: string): string => `${methodArn.split('/').slice(0, 2).join('/')}/*`;

export const policy = (
  effect: 'Allow' | 'Deny',
  methodArn: string,
  userId: string,
): APIGatewayAuthorizerResult => ({
  principalId: userId || 'anonymous',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: stageArn(methodArn) }],
  },
  context: { userId },
});
