/**
 * The API Gateway REQUEST authorizer, behind two authorizers: uncached on optional-auth routes (it
 * sees every request) and cached by the Authorization header on required ones (schemas/routes.ts
 * `requiredAuthCache`; API Gateway answers a missing header itself). It decides by the route's auth
 * mode:
 *   no Authorization header (or a blank one)
 *                  required → throw "Unauthorized" (401 "is missing"); optional → allow anonymously
 *   any other header that is not `Token <valid jwt>` or `Bearer <valid jwt>` (a bad or expired token,
 *   another scheme, extra words)
 *                  deny (ACCESS_DENIED, sent as 401 "is invalid"), on optional routes too
 *   good token     allow, with the user id in the context
 * When the key cannot be read it throws any other error: API Gateway answers
 * AUTHORIZER_CONFIGURATION_ERROR (a 5xx, schemas/routes.ts), so clients retry instead of logging out.
 * Whether the user still exists is for each write to check (a workflow's own read or transaction).
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { findRoute } from '../../schemas/routes.ts';
import { logger } from '../shared/observability.ts';
import { authorizationHeader, InvalidTokenError, tokenFromHeader, verifyToken } from '../shared/tokens.ts';
import { policy } from './policy.ts';

export const handler = async (
  event: APIGatewayRequestAuthorizerEvent,
  context: Context,
): Promise<APIGatewayAuthorizerResult> => {
  logger.addContext(context);
  logger.setCorrelationId(event.requestContext.requestId);
  const header = authorizationHeader(event.headers)?.trim() ?? '';
  if (header === '') {
    if (findRoute(event.httpMethod, event.resource)?.auth === 'optional') {
      return policy('Allow', event.methodArn, '');
    }
    // Any other route with this authorizer needs a token; API Gateway answers 401 UNAUTHORIZED.
    throw new Error('Unauthorized');
  }
  const deny = (reason: string) => {
    logger.info('Token rejected', { reason, path: event.resource });
    return policy('Deny', event.methodArn, '');
  };
  const token = tokenFromHeader(header);
  if (!token) return deny('the Authorization header is not "Token <jwt>" or "Bearer <jwt>"');
  try {
    const { userId } = await verifyToken(token);
    return policy('Allow', event.methodArn, userId);
  } catch (error) {
    if (error instanceof InvalidTokenError) return deny(error.message);
    logger.error('The token could not be verified', error as Error);
    throw new Error('The token could not be verified', { cause: error });
  }
};
