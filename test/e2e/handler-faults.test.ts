/**
 * Every Lambda behind the API meets the infrastructure failures AWS produces (local/faults.ts), over
 * real HTTP: a DynamoDB or OpenSearch refusal that outlasts the SDK's retries answers a clean 503 in
 * the RealWorld error shape with the CORS headers, says nothing of the error, and is logged by the
 * function exactly once, at ERROR, with its Lambda request id. A Lambda that cannot be invoked
 * answers INTEGRATION_FAILURE; an authorizer that cannot be invoked answers
 * AUTHORIZER_CONFIGURATION_ERROR, never a 401. The routes come from schemas/routes.ts, so a new
 * Lambda route without a scenario here fails the first test.
 */
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { parseFaultSpec } from '../../local/faults.ts';
import { functions } from '../../schemas/functions.ts';
import { cors, gatewayResponses, type Route, routes, serviceUnavailable } from '../../schemas/routes.ts';
import { captureLambdaLogs, errorLines, type LogLine } from '../support/lambda-logs.ts';
import { registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';

const { runtime, api } = useTestRuntime();

type User = Awaited<ReturnType<typeof registerUser>>;

/** What the scenarios read: an author with a tagged article and a comment, and a reader following them. */
interface Fixture {
  readonly author: User;
  readonly reader: User;
  readonly slug: string;
  readonly tag: string;
}

interface Call {
  readonly path: string;
  /** Whose token goes in the Authorization header; anonymous when undefined. */
  readonly as?: 'reader';
  readonly body?: unknown;
}

interface Scenario {
  /** Appended to the route's path (`{tag}`, `{author}` filled in). */
  readonly query?: string;
  /** Sent with the reader's token (on an optional-auth route; required ones always send it). */
  readonly asReader?: true;
  /** A fault spec (local/faults.ts) that every attempt of the SDK meets. */
  readonly faults: string;
  /** The error name the function logs. */
  readonly error: string;
}

interface RouteScenarios {
  readonly call: (fixture: Fixture) => Call;
  readonly scenarios: readonly Scenario[];
}

const routeKey = (route: Pick<Route, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/** Each Lambda route: a call that reaches its function, and the faults of its dependencies. */
const table: Record<string, RouteScenarios> = {
  'POST /api/users/login': {
    call: ({ reader }) => ({
      path: '/api/users/login',
      body: { user: { email: reader.email, password: reader.password } },
    }),
    scenarios: [
      {
        faults: 'dynamodb/GetItem:ProvisionedThroughputExceededException',
        error: 'ProvisionedThroughputExceededException',
      },
    ],
  },
  'GET /api/user': {
    call: () => ({ path: '/api/user', as: 'reader' }),
    scenarios: [{ faults: 'dynamodb/GetItem:ThrottlingException', error: 'ThrottlingException' }],
  },
  'GET /api/profiles/{username}': {
    call: ({ author }) => ({ path: `/api/profiles/${author.username}` }),
    scenarios: [
      { faults: 'dynamodb/GetItem:RequestLimitExceeded', error: 'RequestLimitExceeded' },
      { asReader: true, faults: 'dynamodb/BatchGetItem:InternalServerError', error: 'InternalServerError' },
    ],
  },
  'GET /api/articles': {
    call: () => ({ path: '/api/articles' }),
    scenarios: [
      { faults: 'opensearch/list:429', error: 'SearchUnavailable' },
      { asReader: true, faults: 'opensearch/list:503', error: 'SearchUnavailable' },
      { query: '?tag={tag}', faults: 'opensearch/list:reset', error: 'SearchUnavailable' },
      { asReader: true, faults: 'dynamodb/BatchGetItem:ThrottlingException', error: 'ThrottlingException' },
      {
        query: '?author={author}',
        faults: 'dynamodb/GetItem:InternalServerError',
        error: 'InternalServerError',
      },
      {
        query: '?favorited={author}',
        faults: 'dynamodb/Query:InternalServerError',
        error: 'InternalServerError',
      },
    ],
  },
  'GET /api/articles/feed': {
    call: () => ({ path: '/api/articles/feed', as: 'reader' }),
    scenarios: [{ faults: 'dynamodb/Query:ThrottlingException', error: 'ThrottlingException' }],
  },
  'GET /api/articles/{slug}': {
    call: ({ slug }) => ({ path: `/api/articles/${slug}` }),
    scenarios: [
      { faults: 'dynamodb/GetItem:InternalServerError', error: 'InternalServerError' },
      {
        asReader: true,
        faults: 'dynamodb/BatchGetItem:ProvisionedThroughputExceededException',
        error: 'ProvisionedThroughputExceededException',
      },
    ],
  },
  'GET /api/articles/{slug}/comments': {
    call: ({ slug }) => ({ path: `/api/articles/${slug}/comments` }),
    scenarios: [
      { faults: 'dynamodb/Query:RequestLimitExceeded', error: 'RequestLimitExceeded' },
      { asReader: true, faults: 'dynamodb/BatchGetItem:ThrottlingException', error: 'ThrottlingException' },
    ],
  },
  'GET /api/tags': {
    call: () => ({ path: '/api/tags' }),
    scenarios: [
      { faults: 'opensearch/tags:429', error: 'SearchUnavailable' },
      { faults: 'opensearch/tags:reset', error: 'SearchUnavailable' },
    ],
  },
};

let fixture: Fixture;

beforeAll(async () => {
  const author = await registerUser(api, 'faultauthor');
  const reader = await registerUser(api, 'faultreader');
  const tag = uniqueName('faulttag');
  const created = await api.post(
    '/api/articles',
    { article: { title: uniqueName('Faulted '), description: 'd', body: 'b', tagList: [tag] } },
    author.token,
  );
  expect(created.status).toBe(201);
  const slug = created.body.article.slug as string;
  expect((await api.post(`/api/profiles/${author.username}/follow`, undefined, reader.token)).status).toBe(
    200,
  );
  expect(
    (await api.post(`/api/articles/${slug}/comments`, { comment: { body: 'c' } }, reader.token)).status,
  ).toBe(201);
  fixture = { author, reader, slug, tag };
});

afterEach(() => {
  runtime().faults.clear();
});

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly logs: LogLine[];
}

/** Sends a call, with what the in-process functions logged meanwhile. */
async function send(method: string, call: Call): Promise<Answer> {
  const { result, logs } = await captureLambdaLogs(async () => {
    const response = await fetch(`${runtime().url}${call.path}`, {
      method,
      headers: {
        ...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(call.as ? { Authorization: `Token ${fixture[call.as].token}` } : {}),
      },
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  });
  return { ...result, logs };
}

const corsOf = (headers: Headers) => ({
  origin: headers.get('access-control-allow-origin'),
  headers: headers.get('access-control-allow-headers'),
  methods: headers.get('access-control-allow-methods'),
  type: headers.get('content-type'),
});

const expectedCors = {
  origin: cors.allowOrigin,
  headers: cors.allowHeaders.join(','),
  methods: cors.allowMethods.join(','),
  type: 'application/json; charset=utf-8',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The route's call for a scenario: its query appended, the reader's token when it asks for one. */
function scenarioCall(route: Route, scenario: Scenario): Call {
  const call = (table[routeKey(route)] as RouteScenarios).call(fixture);
  const query = (scenario.query ?? '')
    .replace('{tag}', fixture.tag)
    .replace('{author}', fixture.author.username);
  return { ...call, path: call.path + query, ...(scenario.asReader ? { as: 'reader' } : {}) };
}

const lambdaRoutes = routes.filter(
  (route): route is Route & { target: { lambda: string } } => 'lambda' in route.target,
);

describe('the scenario table', () => {
  it('covers every Lambda route, and so every API function, and nothing else', () => {
    expect(Object.keys(table).sort()).toEqual(lambdaRoutes.map(routeKey).sort());
    const apiFunctions = functions.filter((definition) => definition.kind === 'api').map(({ name }) => name);
    expect(apiFunctions.sort()).toEqual(
      [...new Set(lambdaRoutes.map((route) => route.target.lambda))].sort(),
    );
    const unfaulted = lambdaRoutes.filter((route) => !table[routeKey(route)]?.scenarios.length);
    expect(unfaulted.map(routeKey)).toEqual([]);
  });

  it('faults every optional-auth route with a token too, so its authorizer runs and allows', () => {
    const optional = lambdaRoutes.filter((route) => route.auth === 'optional').map(routeKey);
    const withToken = lambdaRoutes
      .filter((route) => table[routeKey(route)]?.scenarios.some((scenario) => scenario.asReader))
      .map(routeKey);
    expect(withToken.sort()).toEqual(optional.sort());
  });
});

const cases = lambdaRoutes.flatMap((route) =>
  (table[routeKey(route)]?.scenarios ?? []).map((scenario) => ({ route, scenario })),
);

describe.each(cases)('$route.method $route.path, $scenario.faults', ({ route, scenario }) => {
  it(`answers 503 with CORS, says nothing of the error, and ${route.target.lambda} logs it once with its request id`, async () => {
    const call = scenarioCall(route, scenario);
    const healthy = await send(route.method, call);
    expect({ status: healthy.status, errors: errorLines(healthy.logs) }).toEqual({
      status: 200,
      errors: [],
    });

    runtime().faults.set(parseFaultSpec(scenario.faults));
    const faulted = await send(route.method, call);
    expect({ status: faulted.status, body: JSON.parse(faulted.text), cors: corsOf(faulted.headers) }).toEqual(
      {
        status: serviceUnavailable.statusCode,
        body: serviceUnavailable.body,
        cors: expectedCors,
      },
    );
    expect(runtime().faults.injected().count).toBeGreaterThan(0);

    expect(errorLines(faulted.logs)).toEqual([
      expect.objectContaining({
        function_name: route.target.lambda,
        function_request_id: expect.stringMatching(UUID),
        error: expect.objectContaining({ name: scenario.error }),
      }),
    ]);
    const logged = JSON.stringify(faulted.logs);
    for (const secret of [fixture.reader.password, fixture.reader.token, fixture.author.token]) {
      expect(logged).not.toContain(secret);
    }
  });
});

const INVOCATION_FAULTS = ['TooManyRequestsException', 'ServiceException', 'timeout'] as const;

describe('a Lambda that cannot be invoked', () => {
  const proxied = lambdaRoutes.flatMap((route) => INVOCATION_FAULTS.map((error) => ({ route, error })));

  it.each(proxied)(
    '$route.method $route.path, lambda/$route.target.lambda:$error: INTEGRATION_FAILURE (503) with CORS',
    async ({ route, error }) => {
      const call = (table[routeKey(route)] as RouteScenarios).call(fixture);
      runtime().faults.set(parseFaultSpec(`lambda/${route.target.lambda}:${error}`));
      const answer = await send(route.method, call);
      expect({ status: answer.status, body: JSON.parse(answer.text), cors: corsOf(answer.headers) }).toEqual({
        status: gatewayResponses.INTEGRATION_FAILURE.statusCode,
        body: gatewayResponses.INTEGRATION_FAILURE.body,
        cors: expectedCors,
      });
    },
  );

  const authorized = routes
    .filter((route) => route.auth !== 'none')
    .flatMap((route) => INVOCATION_FAULTS.map((error) => ({ route, error })));

  it.each(authorized)(
    '$route.method $route.path, lambda/authorizer:$error: AUTHORIZER_CONFIGURATION_ERROR (503) with a token, never 401',
    async ({ route, error }) => {
      runtime().faults.set(parseFaultSpec(`lambda/authorizer:${error}`));
      // A token the cached authorizer has decided on would never reach the function.
      runtime().authorizerCache.flush();
      const path = route.path
        .replace('{username}', fixture.author.username)
        .replace('{slug}', fixture.slug)
        .replace('{id}', '1');
      for (const as of [undefined, 'reader'] as const) {
        const answer = await send(route.method, { path, ...(as ? { as } : {}) });
        // Without a header a required route never reaches the function: the cached authorizer's 401.
        const expected =
          as === undefined && route.auth === 'required'
            ? gatewayResponses.UNAUTHORIZED
            : gatewayResponses.AUTHORIZER_CONFIGURATION_ERROR;
        expect({
          as,
          status: answer.status,
          body: JSON.parse(answer.text),
          cors: corsOf(answer.headers),
        }).toEqual({ as, status: expected.statusCode, body: expected.body, cors: expectedCors });
      }
    },
  );
});
