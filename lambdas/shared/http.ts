/**
 * The edge of every API Lambda: parses the proxy event, runs the use case, and maps typed errors
 * to RealWorld error bodies in one place (a failing dependency is a 503, anything else unexpected a
 * 500). Responses carry the CORS headers of schemas/routes.ts.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { z } from 'zod';
import { MAX_LOOKUP_LENGTH, validationErrors } from '../../schemas/requests.ts';
import { cors, serviceUnavailable } from '../../schemas/routes.ts';
import { AppError, type ErrorFields, isServiceUnavailable, statusOfError } from './errors.ts';
import { logger } from './observability.ts';

export const corsHeaders: Record<string, string> = {
  'Access-Control-Allow-Origin': cors.allowOrigin,
  'Access-Control-Allow-Headers': cors.allowHeaders.join(','),
  'Access-Control-Allow-Methods': cors.allowMethods.join(','),
};

export interface ApiRequest {
  readonly event: APIGatewayProxyEvent;
  /** The caller's user id from the authorizer; undefined when anonymous. */
  readonly userId: string | undefined;
  /** Path parameters; one longer than MAX_LOOKUP_LENGTH is "", since it names nothing. */
  readonly path: Record<string, string>;
  readonly query: Record<string, string>;
}

export interface ApiResponse {
  readonly statusCode: number;
  readonly body?: unknown;
}

const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'Content-Type': 'application/json; charset=utf-8', ...corsHeaders },
  body: body === undefined ? '' : JSON.stringify(body),
});

const errorResponse = (statusCode: number, fields: ErrorFields) => json(statusCode, { errors: fields });

/** Parses the JSON body against a schema; a malformed body or a schema failure is a typed error. */
export function parseBody<Schema extends z.ZodType>(
  event: APIGatewayProxyEvent,
  schema: Schema,
): z.infer<Schema> {
  let body: unknown = null;
  if (event.body) {
    try {
      body = JSON.parse(
        event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body,
      );
    } catch {
      throw new AppError('Validation', { body: ['is not valid JSON'] });
    }
  }
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success) throw new AppError('Validation', validationErrors(parsed.error));
  return parsed.data;
}

/** Parses query string parameters against a schema; a failure is a 422 naming the parameters. */
export function parseQuery<Schema extends z.ZodType>(
  query: Record<string, string>,
  schema: Schema,
): z.infer<Schema> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) throw new AppError('Validation', validationErrors(parsed.error));
  return parsed.data;
}

export function apiHandler(run: (request: ApiRequest) => Promise<ApiResponse>) {
  return async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
    logger.addContext(context);
    // API Gateway's request id: a workflow route's execution is named after it (the correlation id).
    logger.setCorrelationId(event.requestContext.requestId);
    const userId = event.requestContext.authorizer?.userId || undefined;
    try {
      const response = await run({
        event,
        userId: typeof userId === 'string' ? userId : undefined,
        path: Object.fromEntries(
          Object.entries(event.pathParameters ?? {}).map(([k, v]) => [
            k,
            v && v.length <= MAX_LOOKUP_LENGTH ? v : '',
          ]),
        ),
        query: Object.fromEntries(
          Object.entries(event.queryStringParameters ?? {}).map(([k, v]) => [k, v ?? '']),
        ),
      });
      return json(response.statusCode, response.body);
    } catch (error) {
      if (error instanceof AppError) {
        logger.info('Request rejected', { kind: error.kind, fields: error.fields });
        return errorResponse(statusOfError[error.kind], error.fields);
      }
      // Every 5xx is logged once, at ERROR: a dependency that stayed down through the SDK's
      // retries fails the request as surely as a bug does.
      if (isServiceUnavailable(error)) {
        logger.error('A service the request needs is unavailable', error as Error);
        return json(serviceUnavailable.statusCode, serviceUnavailable.body);
      }
      logger.error('Request failed', error as Error);
      return errorResponse(500, { server: ['internal error'] });
    } finally {
      logger.resetKeys();
    }
  };
}
