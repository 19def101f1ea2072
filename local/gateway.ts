/**
 * The local API Gateway: serves the routes of schemas/routes.ts over HTTP the way the CDK-built
 * REST API does. It runs the REQUEST authorizer (cached on required routes), renders the same StartSyncExecution mapping
 * templates for workflow routes, invokes Lambda routes with API Gateway proxy events, and answers
 * with the same gateway responses and CORS headers. While DynamoDB Local is down or restarting, every
 * route answers 503 (schemas/routes.ts `serviceUnavailable`) at once instead of failing slowly.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayEventRequestContext,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
} from 'aws-lambda';
import { isServiceUnavailable } from '../lambdas/shared/errors.ts';
import {
  cors,
  docsRoutes,
  executionHeader,
  gatewayResponses,
  maxRequestBodyBytes,
  type Route,
  requiredAuthCache,
  routes,
  type SuccessStatus,
  serviceUnavailable,
} from '../schemas/routes.ts';
import { ADMIN_PATH_PREFIX, type LocalAdmin } from './admin.ts';
import {
  parseRequestBody,
  renderStartSyncExecutionRequest,
  renderStartSyncExecutionResponse,
} from './api-gateway-templates.ts';
import { type AuthorizerCache, policyAllows } from './authorizer-cache.ts';
import type { DynamoDbHealth } from './dynamodb-supervisor.ts';
import { LambdaInvocationError } from './faults.ts';
import type { LocalLambdas } from './lambdas.ts';
import { type LocalWorkflows, localStateMachineArn } from './workflows.ts';

export interface GatewayOptions {
  readonly lambdas: LocalLambdas;
  readonly workflows: LocalWorkflows;
  /** The result cache of the authorizer on required routes. */
  readonly authorizerCache: AuthorizerCache;
  /** Awaited after a write workflow succeeds, before answering (read-your-writes mode). */
  readonly afterWrite?: () => Promise<void>;
  /** While DynamoDB is down, routes answer 503 at once; a 503 from a route makes it check. */
  readonly database: DynamoDbHealth;
  readonly log: (line: string) => void;
  /** Operator routes under /_local/ (local/admin.ts); API Gateway has none. */
  readonly admin?: LocalAdmin;
}

interface CompiledRoute {
  readonly route: Route;
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
}

interface Reply {
  readonly statusCode: number;
  readonly headers?: Record<string, string | number | boolean>;
  readonly body: string;
}

/** The workflow execution a request ran, for its log line. */
interface Execution {
  readonly summary: string;
  readonly name: string;
}

const corsHeaders = {
  'Access-Control-Allow-Origin': cors.allowOrigin,
  'Access-Control-Allow-Headers': cors.allowHeaders.join(','),
  'Access-Control-Allow-Methods': cors.allowMethods.join(','),
};

const compiled: readonly CompiledRoute[] = [...routes, ...Object.values(docsRoutes)].map((route) => {
  const parameterNames: string[] = [];
  const source = route.path.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    parameterNames.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}/?$`), parameterNames };
});

const gatewayReply = (type: keyof typeof gatewayResponses): Reply => ({
  statusCode: gatewayResponses[type].statusCode,
  body: JSON.stringify(gatewayResponses[type].body),
});

const unavailableReply: Reply = {
  statusCode: serviceUnavailable.statusCode,
  body: JSON.stringify(serviceUnavailable.body),
};

class BodyTooLargeError extends Error {}

/**
 * How much of a body over maxRequestBodyBytes is still read, and dropped, before the 413: a client
 * reads an answer reliably only once it has sent its body (a socket closed on unread data is reset).
 * API Gateway itself refuses payloads over 10 MB with REQUEST_TOO_LARGE (its quotas:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html);
 * the 200 KiB limit of schemas/routes.ts is this runtime's, AWS lets such a body reach the integration.
 */
const MAX_DRAINED_BYTES = 10 * 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_DRAINED_BYTES) throw new BodyTooLargeError();
    if (size <= maxRequestBodyBytes) chunks.push(chunk as Buffer);
  }
  if (size > maxRequestBodyBytes) throw new BodyTooLargeError();
  return Buffer.concat(chunks).toString('utf8');
}

/** A path parameter as API Gateway passes it, decoded; undefined when its %-escapes do not decode. */
function decodePathParameter(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

function match(
  method: string,
  path: string,
): { route: Route; pathParameters: Record<string, string> } | undefined {
  for (const candidate of compiled) {
    if (candidate.route.method !== method) continue;
    const found = candidate.pattern.exec(path);
    if (!found) continue;
    const values = candidate.parameterNames.map((_name, index) =>
      decodePathParameter(found[index + 1] ?? ''),
    );
    // A path that does not decode matches no route (AWS does not document this case; HTTP APIs were
    // seen to answer 404 for /a%25Fb/thing, whose %Fb does not decode: Stack Overflow, "How to encode
    // parameters for AWS API Gateway (HTTP API)?"), so it is MISSING_AUTHENTICATION_TOKEN here.
    if (values.some((value) => value === undefined)) return undefined;
    const pathParameters = Object.fromEntries(
      candidate.parameterNames.map((name, index) => [name, values[index] ?? '']),
    );
    return { route: candidate.route, pathParameters };
  }
  return undefined;
}

function singleValueHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let index = 0; index < request.rawHeaders.length; index += 2) {
    headers[request.rawHeaders[index] ?? ''] = request.rawHeaders[index + 1] ?? '';
  }
  return headers;
}

const definedValues = (values: Record<string, string | undefined> | null): Record<string, string> =>
  Object.fromEntries(
    Object.entries(values ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );

export function createGateway(options: GatewayOptions): Server {
  const { lambdas, workflows } = options;

  async function authorize(
    route: Route,
    event: APIGatewayProxyEvent,
  ): Promise<{ reply: Reply } | { context: Record<string, string> }> {
    if (route.auth === 'none') return { context: {} };
    const methodArn = `arn:aws:execute-api:us-east-1:000000000000:local/local/${route.method}${event.path}`;
    // Required routes: API Gateway answers a missing identity header itself and serves what it cached.
    const identity =
      route.auth === 'required'
        ? Object.entries(event.headers).find(
            ([name]) => name.toLowerCase() === requiredAuthCache.identityHeader.toLowerCase(),
          )?.[1]
        : undefined;
    if (route.auth === 'required' && !identity) return { reply: gatewayReply('UNAUTHORIZED') };
    try {
      const cached = identity === undefined ? undefined : options.authorizerCache.get(identity);
      const result =
        cached ??
        ((await lambdas.invoke('authorizer', {
          type: 'REQUEST',
          methodArn,
          resource: route.path,
          path: event.path,
          httpMethod: route.method,
          headers: event.headers,
          multiValueHeaders: event.multiValueHeaders,
          pathParameters: event.pathParameters,
          queryStringParameters: event.queryStringParameters,
          multiValueQueryStringParameters: event.multiValueQueryStringParameters,
          stageVariables: null,
          requestContext: event.requestContext,
        })) as APIGatewayAuthorizerResult);
      if (identity !== undefined && !cached) options.authorizerCache.put(identity, result);
      if (!policyAllows(result, methodArn)) return { reply: gatewayReply('ACCESS_DENIED') };
      const context = Object.fromEntries(
        Object.entries(result.context ?? {}).map(([k, v]) => [k, String(v)]),
      );
      return { context: { ...context, principalId: result.principalId } };
    } catch (error) {
      if ((error as Error).message === 'Unauthorized') return { reply: gatewayReply('UNAUTHORIZED') };
      // Any other failure of the authorizer (which logged it): API Gateway answers
      // AUTHORIZER_CONFIGURATION_ERROR.
      options.log(`authorizer failed: ${(error as Error).message}`);
      return { reply: gatewayReply('AUTHORIZER_CONFIGURATION_ERROR') };
    }
  }

  async function runWorkflow(
    { workflow, successStatus }: { workflow: string; successStatus: SuccessStatus },
    event: APIGatewayProxyEvent,
    authorizer: Record<string, string>,
  ): Promise<{ reply: Reply; execution?: Execution }> {
    if (event.body) {
      try {
        parseRequestBody(event.body);
      } catch {
        return { reply: gatewayReply('BAD_REQUEST_BODY') };
      }
    }
    const request = renderStartSyncExecutionRequest({
      stateMachineArn: localStateMachineArn(workflow),
      requestId: event.requestContext.requestId,
      pathParameters: definedValues(event.pathParameters),
      queryParameters: definedValues(event.queryStringParameters),
      headers: definedValues(event.headers),
      body: event.body ?? '',
      authorizer,
    });
    const result = await workflows.startSync(workflow, JSON.parse(request.input), request.name, {
      trigger: {
        kind: 'request',
        method: event.httpMethod,
        path: event.path,
        requestId: event.requestContext.requestId,
      },
    });
    if (result.status === 'SUCCEEDED' && event.httpMethod !== 'GET') {
      // The write is committed: failing to wait for its events must not make the client retry it.
      await options.afterWrite?.().catch((error: unknown) => {
        options.log(
          `${workflow}:${result.name} succeeded but waiting for its stream events failed (answering anyway): ${(error as Error).message}`,
        );
      });
    }
    const response = renderStartSyncExecutionResponse(result, event.requestContext.requestId, successStatus);
    return {
      reply: {
        statusCode: response.statusCode,
        headers: {
          [executionHeader]: result.name,
          'Access-Control-Expose-Headers': cors.exposeHeaders.join(','),
        },
        body: response.body,
      },
      execution: {
        summary: `${workflow}${result.status === 'SUCCEEDED' ? '' : ` ${result.status} ${result.error ?? ''}`}`,
        name: result.name,
      },
    };
  }

  async function handle(request: IncomingMessage): Promise<{ reply: Reply; execution?: Execution }> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS') {
      return {
        reply: { statusCode: 204, headers: { 'Access-Control-Max-Age': cors.maxAgeSeconds }, body: '' },
      };
    }
    const adminReply = await options.admin?.(request, url);
    if (adminReply) return { reply: adminReply };
    const matched = match(method, url.pathname);
    if (!matched) return { reply: gatewayReply('MISSING_AUTHENTICATION_TOKEN') };

    let body: string;
    try {
      body = await readBody(request);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        // Closed after the answer: the connection may still carry the rest of a body never read.
        return { reply: { ...gatewayReply('REQUEST_TOO_LARGE'), headers: { Connection: 'close' } } };
      }
      throw error;
    }
    const headers = singleValueHeaders(request);
    const query = Object.fromEntries(url.searchParams);
    const requestId = randomUUID();
    const requestContext = {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: {},
      httpMethod: method,
      identity: {
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['User-Agent'] ?? null,
      },
      path: url.pathname,
      protocol: `HTTP/${request.httpVersion}`,
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: matched.route.path,
      stage: 'local',
    } as unknown as APIGatewayEventRequestContext;
    const event: APIGatewayProxyEvent = {
      resource: matched.route.path,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      queryStringParameters: Object.keys(query).length ? query : null,
      multiValueQueryStringParameters: Object.keys(query).length
        ? Object.fromEntries([...url.searchParams.keys()].map((key) => [key, url.searchParams.getAll(key)]))
        : null,
      pathParameters: Object.keys(matched.pathParameters).length ? matched.pathParameters : null,
      stageVariables: null,
      requestContext,
      body: body || null,
      isBase64Encoded: false,
    };

    const authorization = await authorize(matched.route, event);
    if ('reply' in authorization) return { reply: authorization.reply };
    event.requestContext.authorizer = authorization.context;
    if (!options.database.available) return { reply: unavailableReply };

    const { target } = matched.route;
    if ('workflow' in target) return runWorkflow(target, event, authorization.context);
    let result: APIGatewayProxyResult;
    try {
      result = (await lambdas.invoke(target.lambda, event)) as APIGatewayProxyResult;
    } catch (error) {
      if (!(error instanceof LambdaInvocationError)) throw error;
      options.log(`${target.lambda} could not be invoked: ${error.name} ${error.message}`);
      return { reply: gatewayReply('INTEGRATION_FAILURE') };
    }
    return {
      reply: { statusCode: result.statusCode, headers: result.headers, body: result.body },
    };
  }

  return createServer((request, response: ServerResponse) => {
    const started = performance.now();
    handle(request)
      .catch((error: unknown) => {
        options.log(`gateway error: ${(error as Error).stack ?? String(error)}`);
        if (isServiceUnavailable(error)) return { reply: unavailableReply };
        return {
          reply: { statusCode: 500, body: JSON.stringify({ errors: { server: ['internal error'] } }) },
        };
      })
      .then(({ reply, execution }: { reply: Reply; execution?: Execution }) => {
        if (reply.statusCode === serviceUnavailable.statusCode) options.database.suspect();
        const noBody = reply.statusCode === 204 || reply.body === '';
        response.writeHead(reply.statusCode, {
          ...corsHeaders,
          ...(noBody ? {} : { 'Content-Type': 'application/json; charset=utf-8' }),
          ...reply.headers,
        });
        response.end(noBody ? undefined : reply.body);
        const ms = (performance.now() - started).toFixed(0);
        // The execution's page as a full URL, which terminals make a link.
        const trace = execution
          ? ` ${execution.summary} http://${request.headers.host}${ADMIN_PATH_PREFIX}executions/${execution.name}`
          : '';
        options.log(`${request.method} ${request.url} ${reply.statusCode} ${ms}ms${trace}`);
      });
  });
}
