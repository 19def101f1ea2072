/**
 * The HTTP API: one table, read by the CDK API stack and by the local gateway.
 *
 * auth: none      no authorizer runs
 *       optional  the authorizer runs on every request (no cache); requests without an
 *                 Authorization header pass anonymously, a bad token or any other header is 401
 *       required  the cached authorizer (`requiredAuthCache`): API Gateway answers 401 itself when
 *                 the header is missing, else reuses the decision for the header's value, so the
 *                 function runs once per token per TTL; a bad token (any other header too) is 401
 * target: an EXPRESS workflow (state-machines/express/<name>.asl.json, StartSyncExecution) and the
 *         status it answers when it succeeds (its output is the response body; none for 204),
 *         or a Lambda function (schemas/functions.ts, proxy integration), which answers its own.
 */
import { IDEMPOTENCY_KEY_HEADER } from './idempotency-frame.ts';
export type AuthMode = 'none' | 'optional' | 'required';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A workflow's success: 201 when it creates what the route names, 204 when it deletes it, else 200. */
export type SuccessStatus = 200 | 201 | 204;

export type RouteTarget =
  | { readonly workflow: string; readonly successStatus: SuccessStatus }
  | { readonly lambda: string };

export interface Route {
  readonly method: HttpMethod;
  /** API Gateway resource path; `{name}` is a path parameter. */
  readonly path: string;
  readonly auth: AuthMode;
  readonly target: RouteTarget;
}

export const routes: readonly Route[] = [
  {
    method: 'POST',
    path: '/api/users',
    auth: 'none',
    target: { workflow: 'register-user', successStatus: 201 },
  },
  { method: 'POST', path: '/api/users/login', auth: 'none', target: { lambda: 'login' } },
  { method: 'GET', path: '/api/user', auth: 'required', target: { lambda: 'get-current-user' } },
  {
    method: 'PUT',
    path: '/api/user',
    auth: 'required',
    target: { workflow: 'update-user', successStatus: 200 },
  },
  { method: 'GET', path: '/api/profiles/{username}', auth: 'optional', target: { lambda: 'get-profile' } },
  {
    method: 'POST',
    path: '/api/profiles/{username}/follow',
    auth: 'required',
    target: { workflow: 'follow-user', successStatus: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/profiles/{username}/follow',
    auth: 'required',
    target: { workflow: 'unfollow-user', successStatus: 200 },
  },
  { method: 'GET', path: '/api/articles', auth: 'optional', target: { lambda: 'list-articles' } },
  {
    method: 'POST',
    path: '/api/articles',
    auth: 'required',
    target: { workflow: 'create-article', successStatus: 201 },
  },
  { method: 'GET', path: '/api/articles/feed', auth: 'required', target: { lambda: 'get-feed' } },
  { method: 'GET', path: '/api/articles/{slug}', auth: 'optional', target: { lambda: 'get-article' } },
  {
    method: 'PUT',
    path: '/api/articles/{slug}',
    auth: 'required',
    target: { workflow: 'update-article', successStatus: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/articles/{slug}',
    auth: 'required',
    target: { workflow: 'delete-article', successStatus: 204 },
  },
  {
    method: 'POST',
    path: '/api/articles/{slug}/favorite',
    auth: 'required',
    target: { workflow: 'favorite-article', successStatus: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/articles/{slug}/favorite',
    auth: 'required',
    target: { workflow: 'unfavorite-article', successStatus: 200 },
  },
  {
    method: 'GET',
    path: '/api/articles/{slug}/comments',
    auth: 'optional',
    target: { lambda: 'list-comments' },
  },
  {
    method: 'POST',
    path: '/api/articles/{slug}/comments',
    auth: 'required',
    target: { workflow: 'add-comment', successStatus: 201 },
  },
  {
    method: 'DELETE',
    path: '/api/articles/{slug}/comments/{id}',
    auth: 'required',
    target: { workflow: 'delete-comment', successStatus: 204 },
  },
  { method: 'GET', path: '/api/tags', auth: 'none', target: { lambda: 'list-tags' } },
];

/**
 * The API's own description (schemas/openapi.ts) and its interactive page, served by the api-docs
 * function: public, needing no table, and not part of the RealWorld API the document describes.
 */
export const docsRoutes = {
  document: { method: 'GET', path: '/api/openapi.json', auth: 'none', target: { lambda: 'api-docs' } },
  page: { method: 'GET', path: '/api/docs', auth: 'none', target: { lambda: 'api-docs' } },
  file: { method: 'GET', path: '/api/docs/{file}', auth: 'none', target: { lambda: 'api-docs' } },
} as const satisfies Record<string, Route>;

/**
 * The result cache of the authorizer on `required` routes. API Gateway keys it by the Authorization
 * header and applies the cached policy to every route of that authorizer, so the policy must cover the
 * whole API. The price: a token stays accepted up to `ttlSeconds` past its `exp` or a key rotation.
 * Optional routes cannot use it: a cached authorizer answers 401 without running when the header is
 * missing, and an anonymous reader has none.
 */
export const requiredAuthCache = { identityHeader: 'Authorization', ttlSeconds: 300 } as const;

/** Finds the route for an API Gateway resource path and method (used by the authorizer). */
export function findRoute(method: string, resourcePath: string): Route | undefined {
  return routes.find((route) => route.method === method && route.path === resourcePath);
}

/**
 * What a route answers when a service it depends on failed (DynamoDB down, restarting or throttling),
 * so clients retry instead of taking it for a bug: the API Lambdas (lambdas/shared/http.ts), the
 * workflow response template once a workflow's Retry clauses ran out, and the local gateway while
 * DynamoDB Local is down. Not a gateway response: in AWS it comes from the integrations, and API
 * Gateway has no response type for "a backend is unavailable".
 */
export const serviceUnavailable = {
  statusCode: 503,
  body: { errors: { service: ['temporarily unavailable, retry shortly'] } },
} as const;

/**
 * Bodies of API Gateway's own responses (no integration ran). The authorizer throws
 * `Unauthorized` for a missing token (UNAUTHORIZED) and denies a bad one (ACCESS_DENIED, sent as 401).
 */
export const gatewayResponses = {
  UNAUTHORIZED: { statusCode: 401, body: { errors: { token: ['is missing'] } } },
  ACCESS_DENIED: { statusCode: 401, body: { errors: { token: ['is invalid'] } } },
  // The authorizer threw anything but "Unauthorized" (it could not read the key), timed out or could
  // not be invoked; API Gateway's default is a 500 `{"message": null}` (the failure modes in
  // https://dev.to/marcogrcr/api-gateway-lambda-authorizer-lambda-proxy-integration-failure-modes-52bc,
  // the type in https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
  // Transient, so a 503 that clients retry, never a 401 that logs them out.
  AUTHORIZER_CONFIGURATION_ERROR: serviceUnavailable,
  // Lambda could not run a proxy integration's function (throttled, a service error, a timeout):
  // API Gateway answers 500 and cannot pass Lambda's 429 on (it maps to INTEGRATION_FAILURE:
  // https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html). Transient: a 503.
  INTEGRATION_FAILURE: serviceUnavailable,
  // What API Gateway answers for an unknown path or method (403 by default).
  MISSING_AUTHENTICATION_TOKEN: { statusCode: 404, body: { errors: { route: ['not found'] } } },
  REQUEST_TOO_LARGE: { statusCode: 413, body: { errors: { body: ['is too large'] } } },
  BAD_REQUEST_BODY: { statusCode: 400, body: { errors: { body: ['is not valid JSON'] } } },
} as const;

/**
 * Largest request body accepted (413 above it): StartSyncExecution takes at most 256 KiB of input,
 * so a larger article could never reach its workflow.
 */
export const maxRequestBodyBytes = 200 * 1024;

/**
 * The header of a workflow route's response naming its execution (the express execution's name, which
 * is API Gateway's request id), so a developer can look the execution up: locally at
 * /_local/executions/<name>, in AWS in the state machine's logs.
 */
export const executionHeader = 'X-Conduit-Execution';

/**
 * CORS: any origin may call the API; browsers send the Authorization and Idempotency-Key headers and may
 * read the execution.
 */
export const cors = {
  allowOrigin: '*',
  allowHeaders: ['Content-Type', 'Authorization', 'X-Requested-With', IDEMPOTENCY_KEY_HEADER],
  exposeHeaders: [executionHeader],
  allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
  maxAgeSeconds: 86400,
} as const;
