/**
 * The API's OpenAPI 3.1 description, generated from the route table (schemas/routes.ts), the zod
 * request schemas (schemas/requests.ts) and response schemas (schemas/responses.ts). Served at
 * `/api/openapi.json` by the api-docs function, locally and in AWS.
 *
 * It follows the official RealWorld description on every path, status and schema they share;
 * whatever goes beyond it (the 503s, 409 on updates, 400 and 413 from the gateway, length and page
 * limits, an auth failure RealWorld does not list, the Idempotency-Key header of the workflow routes
 * and the 409 it adds) carries `x-conduit-extension: true`
 * (test/unit/openapi.test.ts compares the two).
 */
import { z } from 'zod';
import { IDEMPOTENCY_KEY_HEADER } from './idempotency-frame.ts';
import {
  addCommentRequest,
  commentsQuery,
  createArticleRequest,
  FEED_LENGTH,
  feedQuery,
  idempotencyKey,
  listArticlesQuery,
  loginRequest,
  registerUserRequest,
  updateArticleRequest,
  updateUserRequest,
} from './requests.ts';
import {
  articleResponse,
  article as articleSchema,
  articleSummary,
  articlesResponse,
  comment,
  commentResponse,
  commentsResponse,
  EXTENSION,
  errorBody,
  profileResponse,
  profile as profileSchema,
  tagsResponse,
  userResponse,
  user as userSchema,
} from './responses.ts';
import {
  executionHeader,
  gatewayResponses,
  maxRequestBodyBytes,
  type Route,
  routes,
  serviceUnavailable,
} from './routes.ts';

export { EXTENSION };

/** Keywords that bound a value: RealWorld sets none of them beyond `minimum` of paging. */
const LIMIT_KEYWORDS = ['minLength', 'maxLength', 'maximum', 'maxItems', 'pattern'] as const;

type Json = Record<string, unknown>;
type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 503;

interface Operation {
  readonly operationId: string;
  readonly summary: string;
  readonly tag: 'User and Authentication' | 'Profile' | 'Articles' | 'Comments' | 'Favorites' | 'Tags';
  /** A request body: its component name and schema. */
  readonly body?: { readonly name: string; readonly schema: z.ZodType };
  readonly query?: z.ZodObject;
  /** The success body (none for a 204); its status is the route's. */
  readonly success: { readonly name?: string; readonly schema?: z.ZodType };
  /**
   * What the route itself can answer besides success (401 comes from its auth mode, 503 from every
   * route, 409 and 422 also from the Idempotency-Key of every workflow route).
   */
  readonly errors: Partial<Record<ErrorStatus, string>>;
  /** Statuses and query parameters RealWorld does not list for this operation. */
  readonly beyondRealWorld?: readonly (ErrorStatus | string)[];
}

const user = { name: 'UserResponse', schema: userResponse };
const profile = { name: 'ProfileResponse', schema: profileResponse };
const article = { name: 'SingleArticleResponse', schema: articleResponse };
const articles = { name: 'MultipleArticlesResponse', schema: articlesResponse };
const noSuchArticle = 'No article has this slug.';

/** Every route of schemas/routes.ts, by `METHOD path`. */
export const operations: Readonly<Record<string, Operation>> = {
  'POST /api/users': {
    operationId: 'CreateUser',
    summary: 'Register a new user',
    tag: 'User and Authentication',
    body: { name: 'NewUserRequest', schema: registerUserRequest },
    success: user,
    errors: { 409: 'The username or email is taken.', 422: 'The user is not valid.' },
  },
  'POST /api/users/login': {
    operationId: 'Login',
    summary: 'Existing user login',
    tag: 'User and Authentication',
    body: { name: 'LoginUserRequest', schema: loginRequest },
    success: user,
    errors: { 401: 'The email or password is wrong.', 422: 'The credentials are blank or not JSON.' },
  },
  'GET /api/user': {
    operationId: 'GetCurrentUser',
    summary: 'Get current user',
    tag: 'User and Authentication',
    success: user,
    errors: {},
  },
  'PUT /api/user': {
    operationId: 'UpdateCurrentUser',
    summary: 'Update current user',
    tag: 'User and Authentication',
    body: { name: 'UpdateUserRequest', schema: updateUserRequest },
    success: user,
    errors: {
      409: 'The new username or email is taken, or another request changed the user meanwhile.',
      422: 'A field is not valid.',
    },
    beyondRealWorld: [409],
  },
  'GET /api/profiles/{username}': {
    operationId: 'GetProfileByUsername',
    summary: 'Get a profile',
    tag: 'Profile',
    success: profile,
    errors: { 404: 'No user has this username.' },
  },
  'POST /api/profiles/{username}/follow': {
    operationId: 'FollowUserByUsername',
    summary: 'Follow a user',
    tag: 'Profile',
    success: profile,
    errors: { 404: 'No user has this username.', 422: 'Users cannot follow themselves.' },
  },
  'DELETE /api/profiles/{username}/follow': {
    operationId: 'UnfollowUserByUsername',
    summary: 'Unfollow a user',
    tag: 'Profile',
    success: profile,
    errors: { 404: 'No user has this username.' },
  },
  'GET /api/articles': {
    operationId: 'GetArticles',
    summary: 'Get recent articles globally, newest first (with `q`, a full-text search, most relevant first)',
    tag: 'Articles',
    query: listArticlesQuery,
    success: articles,
    errors: { 422: 'A query parameter is out of range.' },
    beyondRealWorld: ['q', 'cursor'],
  },
  'POST /api/articles': {
    operationId: 'CreateArticle',
    summary: 'Create an article',
    tag: 'Articles',
    body: { name: 'NewArticleRequest', schema: createArticleRequest },
    success: article,
    errors: { 409: 'Its slug is taken.', 422: 'The article is not valid.' },
  },
  'GET /api/articles/feed': {
    operationId: 'GetArticlesFeed',
    summary: `Get recent articles from users you follow, newest first (the newest ${FEED_LENGTH}: articlesCount is at most ${FEED_LENGTH})`,
    tag: 'Articles',
    query: feedQuery,
    success: articles,
    errors: { 422: 'A query parameter is out of range.' },
    beyondRealWorld: ['cursor'],
  },
  'GET /api/articles/{slug}': {
    operationId: 'GetArticle',
    summary: 'Get an article',
    tag: 'Articles',
    success: article,
    errors: { 404: noSuchArticle },
    beyondRealWorld: [401],
  },
  'PUT /api/articles/{slug}': {
    operationId: 'UpdateArticle',
    summary: 'Update an article; a new title moves its slug',
    tag: 'Articles',
    body: { name: 'UpdateArticleRequest', schema: updateArticleRequest },
    success: article,
    errors: {
      403: 'The article is not yours.',
      404: noSuchArticle,
      409: 'The slug of the new title is taken.',
      422: 'A field is not valid.',
    },
    beyondRealWorld: [409],
  },
  'DELETE /api/articles/{slug}': {
    operationId: 'DeleteArticle',
    summary: 'Delete an article',
    tag: 'Articles',
    success: {},
    errors: { 403: 'The article is not yours.', 404: noSuchArticle },
  },
  'POST /api/articles/{slug}/favorite': {
    operationId: 'CreateArticleFavorite',
    summary: 'Favorite an article',
    tag: 'Favorites',
    success: article,
    errors: { 404: noSuchArticle },
  },
  'DELETE /api/articles/{slug}/favorite': {
    operationId: 'DeleteArticleFavorite',
    summary: 'Unfavorite an article',
    tag: 'Favorites',
    success: article,
    errors: { 404: noSuchArticle },
  },
  'GET /api/articles/{slug}/comments': {
    operationId: 'GetArticleComments',
    summary: 'Get the comments of an article, newest first: all of them, or a page with limit or cursor',
    tag: 'Comments',
    query: commentsQuery,
    success: { name: 'MultipleCommentsResponse', schema: commentsResponse },
    errors: { 404: noSuchArticle, 422: 'A query parameter is out of range.' },
    beyondRealWorld: ['limit', 'cursor'],
  },
  'POST /api/articles/{slug}/comments': {
    operationId: 'CreateArticleComment',
    summary: 'Comment on an article',
    tag: 'Comments',
    body: { name: 'NewCommentRequest', schema: addCommentRequest },
    success: { name: 'SingleCommentResponse', schema: commentResponse },
    errors: { 404: noSuchArticle, 422: 'The comment is blank.' },
  },
  'DELETE /api/articles/{slug}/comments/{id}': {
    operationId: 'DeleteArticleComment',
    summary: 'Delete a comment',
    tag: 'Comments',
    success: {},
    errors: { 403: 'The comment is not yours.', 404: 'No such article, or no such comment on it.' },
  },
  'GET /api/tags': {
    operationId: 'GetTags',
    summary: 'Get the tags of all articles',
    tag: 'Tags',
    success: { name: 'TagsResponse', schema: tagsResponse },
    errors: {},
  },
};

export const routeKey = (route: Pick<Route, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/** Paths of the document are relative to its server, which ends in `/api`. */
const API_PREFIX = '/api';

const PATH_PARAMETERS: Record<string, { description: string; schema: Json }> = {
  username: { description: 'Username of the profile', schema: { type: 'string' } },
  slug: { description: 'Slug of the article', schema: { type: 'string' } },
  id: { description: 'ID of the comment', schema: { type: 'integer' } },
};

/**
 * Marks a JSON schema and every schema under it that sets a limit RealWorld does not have, and drops
 * the bounds zod gives every integer (±2^53 - 1, JSON's safe integers): no limit of this API.
 */
function markLimits(schema: unknown): void {
  if (typeof schema !== 'object' || schema === null) return;
  if (Array.isArray(schema)) {
    for (const item of schema) markLimits(item);
    return;
  }
  const node = schema as Json;
  if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
  if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum;
  if (LIMIT_KEYWORDS.some((keyword) => keyword in node)) node[EXTENSION] = true;
  for (const value of Object.values(node)) markLimits(value);
}

/** JSON schemas of registered zod schemas, as components referring to each other. */
function components(entries: readonly [string, z.ZodType][], io: 'input' | 'output'): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of entries) if (!registry.has(schema)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _draft, $id: _id, ...schema }]) => {
      markLimits(schema);
      return [id, schema as Json];
    }),
  );
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (schema: Json) => ({ 'application/json': { schema } });
const ours = (beyond: boolean) => (beyond ? { [EXTENSION]: true } : {});

/** Query parameters: the values a handler sees after parsing (numbers, empty filters dropped). */
function queryParameters(query: z.ZodObject, beyond: ReadonlySet<unknown>): Json[] {
  return Object.entries(query.shape).map(([name, field]) => {
    const { $schema: _draft, ...schema } = z.toJSONSchema(field as z.ZodType, { io: 'output' }) as Json;
    markLimits(schema);
    const required = !(field as z.ZodType).safeParse(undefined).success;
    return { name, in: 'query', required, schema, ...ours(beyond.has(name)) };
  });
}

/**
 * What an Idempotency-Key adds to the answers of a workflow route (docs/idempotency.md). RealWorld
 * lists a 422 on every operation and a 409 only where ours list one too, so a 409 the key adds to an
 * operation is ours.
 */
const idempotencyKeyErrors = {
  409: `The ${IDEMPOTENCY_KEY_HEADER} is in use by a request still running: retry shortly.`,
  422: `The ${IDEMPOTENCY_KEY_HEADER} is not 1 to 255 visible ASCII characters or was used with a different request.`,
} as const;

/** An operation's own description of a status, then what the Idempotency-Key adds to it. */
const withKeyError = (own: string | undefined, keyError: string): string =>
  own ? `${own.replace(/\.$/, '')}; or ${keyError.charAt(0).toLowerCase()}${keyError.slice(1)}` : keyError;

/** The header of a workflow route (its schema's description is the parameter's). */
function idempotencyKeyParameter(): Json {
  const { $schema: _draft, description, ...schema } = z.toJSONSchema(idempotencyKey) as Json;
  markLimits(schema);
  return { name: IDEMPOTENCY_KEY_HEADER, in: 'header', required: false, description, schema, ...ours(true) };
}

function errorResponse(description: string, beyond: boolean, example?: unknown): Json {
  return {
    description,
    content: { 'application/json': { schema: ref('GenericErrorModel'), ...(example ? { example } : {}) } },
    ...ours(beyond),
  };
}

function operationOf(route: Route, operation: Operation): Json {
  const beyond = new Set<unknown>(operation.beyondRealWorld ?? []);
  const successStatus = 'successStatus' in route.target ? route.target.successStatus : 200;
  // A workflow's answers name its execution (schemas/routes.ts `executionHeader`).
  const headers =
    'workflow' in route.target
      ? {
          headers: {
            [executionHeader]: {
              description: "The name of the workflow execution that answered (API Gateway's request id).",
              schema: { type: 'string' },
              [EXTENSION]: true,
            },
          },
        }
      : {};
  const responses: Record<string, Json> = {
    [successStatus]: operation.success.name
      ? { description: 'Success', ...headers, content: jsonContent(ref(operation.success.name)) }
      : { description: 'Success, no content', ...headers },
  };
  const errors: Partial<Record<ErrorStatus, Json>> = {};
  if (operation.body && 'workflow' in route.target) {
    errors[400] = errorResponse('The body is not JSON.', true, gatewayResponses.BAD_REQUEST_BODY.body);
  }
  if (route.auth !== 'none' || operation.errors[401]) {
    const description =
      operation.errors[401] ??
      (route.auth === 'required'
        ? "The token is missing or invalid, or its user no longer exists (header: 'Token <jwt>')."
        : 'A token was sent and is invalid (send none to read anonymously).');
    errors[401] = errorResponse(description, beyond.has(401), gatewayResponses.UNAUTHORIZED.body);
  }
  for (const [status, description] of Object.entries(operation.errors)) {
    const code = Number(status) as ErrorStatus;
    if (code !== 401) errors[code] = errorResponse(description, beyond.has(code));
  }
  if ('workflow' in route.target) {
    for (const [status, keyError] of Object.entries(idempotencyKeyErrors)) {
      const code = Number(status) as ErrorStatus;
      const own = operation.errors[code];
      errors[code] = errorResponse(withKeyError(own, keyError), beyond.has(code) || (code === 409 && !own));
    }
  }
  if (operation.body) {
    errors[413] = errorResponse(
      `The body is over ${maxRequestBodyBytes / 1024} KiB.`,
      true,
      gatewayResponses.REQUEST_TOO_LARGE.body,
    );
  }
  errors[503] = errorResponse(
    'A service the API depends on is unavailable or throttling: retry shortly.',
    true,
    serviceUnavailable.body,
  );
  for (const [status, response] of Object.entries(errors).sort(([a], [b]) => Number(a) - Number(b))) {
    responses[status] = response;
  }

  const parameters = [
    ...[...route.path.matchAll(/\{([^}]+)\}/g)].map(([, name = '']) => ({
      name,
      in: 'path',
      required: true,
      ...PATH_PARAMETERS[name],
    })),
    ...(operation.query ? queryParameters(operation.query, beyond) : []),
    ...('workflow' in route.target ? [idempotencyKeyParameter()] : []),
  ];
  return {
    tags: [operation.tag],
    summary: operation.summary,
    operationId: operation.operationId,
    ...(parameters.length ? { parameters } : {}),
    ...(operation.body
      ? { requestBody: { required: true, content: jsonContent(ref(operation.body.name)) } }
      : {}),
    responses,
    ...(route.auth === 'required' ? { security: [{ Token: [] }] } : {}),
    ...(route.auth === 'optional' ? { security: [{}, { Token: [] }] } : {}),
  };
}

/** The OpenAPI 3.1 document; `serverUrl` is the API root ending in `/api`, as the client reaches it. */
export function openApiDocument(serverUrl: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const operation = operations[routeKey(route)];
    if (!operation) throw new Error(`No operation in schemas/openapi.ts for ${routeKey(route)}`);
    const path = route.path.slice(API_PREFIX.length);
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operationOf(route, operation) };
  }
  const bodies = Object.values(operations).flatMap(({ body }) =>
    body ? [[body.name, body.schema] as [string, z.ZodType]] : [],
  );
  const results = Object.values(operations).flatMap(({ success }) =>
    success.name && success.schema ? [[success.name, success.schema] as [string, z.ZodType]] : [],
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'Conduit API',
      version: '2.0.0',
      description:
        'The RealWorld (Conduit) API on API Gateway, Step Functions and DynamoDB. Whatever this API adds to the RealWorld description is marked `x-conduit-extension`.',
      license: { name: 'MIT License', identifier: 'MIT' },
    },
    servers: [{ url: serverUrl }],
    tags: [...new Set(Object.values(operations).map((operation) => operation.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: {
        ...components(bodies, 'input'),
        ...components(
          [
            ...results,
            ['User', userSchema],
            ['Profile', profileSchema],
            ['Article', articleSchema],
            ['ArticleSummary', articleSummary],
            ['Comment', comment],
            ['GenericErrorModel', errorBody],
          ],
          'output',
        ),
      },
      securitySchemes: {
        Token: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'The token of registration or login, sent as `Authorization: Token <jwt>`.',
        },
      },
    },
  };
}
