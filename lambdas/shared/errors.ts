/**
 * Typed business errors and their HTTP statuses: the one mapping Lambda handlers use. The workflow
 * response template (schemas/api-gateway/*.response.vtl) maps the same error names of Fail states.
 * Unavailable: the request could not be carried out now and may be sent again as it is (503).
 * Also which failures of a dependency (rather than of the request) mean "retry shortly".
 */
import { SearchUnavailableError } from './search/article-search.ts';

export type ErrorKind = 'Validation' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'Conflict' | 'Unavailable';

export const statusOfError: Record<ErrorKind, number> = {
  Validation: 422,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  Unavailable: 503,
};

export type ErrorFields = Record<string, string[]>;

export class AppError extends Error {
  constructor(
    readonly kind: ErrorKind,
    readonly fields: ErrorFields,
  ) {
    super(`${kind}: ${JSON.stringify(fields)}`);
    this.name = kind;
  }
}

export const notFound = (resource: string): AppError =>
  new AppError('NotFound', { [resource]: ['not found'] });
export const forbidden = (resource: string): AppError =>
  new AppError('Forbidden', { [resource]: ['forbidden'] });
export const invalidCredentials = (): AppError => new AppError('Unauthorized', { credentials: ['invalid'] });

/** Codes of a connection that could not be made or broke mid-request ("socket hang up" is ECONNRESET). */
const CONNECTION_FAILURE_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
];
const CONNECTION_FAILURE_TEXT = new RegExp(`\\b(${CONNECTION_FAILURE_CODES.join('|')})\\b|socket hang up`);

/**
 * The service could not be reached at all: it is down, restarting or cut off. Read from the error
 * code, or from the message when a wrapper kept only that (the AWS SDK wraps what it does not
 * recognize as an Error, such as an error from another realm, in "AWS SDK error wrapper for …").
 */
export function isConnectionFailure(error: unknown): boolean {
  const { code, name, message } = (error ?? {}) as { code?: unknown; name?: unknown; message?: unknown };
  return (
    (typeof code === 'string' && CONNECTION_FAILURE_CODES.includes(code)) ||
    name === 'TimeoutError' ||
    (typeof message === 'string' && CONNECTION_FAILURE_TEXT.test(message))
  );
}

/** AWS SDK error names that say "retry shortly": the same failures the workflows' Retry clauses retry. */
const TRANSIENT_SERVICE_ERRORS = new Set([
  'InternalServerError',
  'ServiceUnavailable',
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
]);

/** A failure of a service we depend on rather than of the request: answered 503, not 500. */
export function isServiceUnavailable(error: unknown): boolean {
  const { name, $fault } = (error ?? {}) as { name?: unknown; $fault?: unknown };
  return (
    isConnectionFailure(error) ||
    error instanceof SearchUnavailableError ||
    $fault === 'server' ||
    (typeof name === 'string' && TRANSIENT_SERVICE_ERRORS.has(name))
  );
}

/**
 * A workflow task could not reach a service it reads for now (throttled, failing or unreachable past
 * the SDK's own retries). Its name is what the task's Retry clause retries with backoff; any other
 * error of a task is a bug and fails the execution.
 */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailable';
}

/** Rethrows a dependency's transient failure as DependencyUnavailableError, anything else as it is. */
export function asDependencyFailure(error: unknown): never {
  if (isServiceUnavailable(error)) {
    throw new DependencyUnavailableError(`${(error as Error).name}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  throw error;
}
