/**
 * Typed business errors and their HTTP statuses: the one mapping Lambda handlers use. The workflow
 * response template (schemas/api-gateway/*.response.vtl) maps the same error names of Fail states.
 */
export type ErrorKind = 'Validation' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'Conflict';

export const statusOfError: Record<ErrorKind, number> = {
  Validation: 422,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
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
