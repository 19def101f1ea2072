/**
 * The API Gateway REQUEST authorizer. It runs without caching and without identity sources, so it
 * sees every request of the routes that have one and decides by the route's auth mode:
 *   missing token  required → throw "Unauthorized" (401 "is missing"); optional → allow anonymously
 *   bad token      deny (ACCESS_DENIED, sent as 401 "is invalid")
 *   good token     allow, with the user id in the context
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { findRoute } from '../../schemas/routes.ts';
import { logger } from '../shared/observability.ts';
import { tokenFromHeader, verifyToken } from '../shared/tokens.ts';

const policy = (effect: 'Allow' | 'Deny', methodArn: string, userId: string): APIGatewayAuthorizerResult => ({
  principalId: userId || 'anonymous',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: methodArn }],
  },
  context: { userId },
});

export const handler = async (
  event: APIGatewayRequestAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> => {
  const route = findRoute(event.httpMethod, event.resource);
  const header = event.headers?.Authorization ?? event.headers?.authorization;
  const token = tokenFromHeader(header);
  if (!token) {
    if (route?.auth === 'optional') return policy('Allow', event.methodArn, '');
    // Any other route with this authorizer needs a token; API Gateway answers 401 UNAUTHORIZED.
    throw new Error('Unauthorized');
  }
  try {
    const { userId } = await verifyToken(token);
    return policy('Allow', event.methodArn, userId);
  } catch (error) {
    logger.info('Token rejected', { reason: (error as Error).message, path: event.resource });
    return policy('Deny', event.methodArn, '');
  }
};
