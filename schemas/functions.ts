/**
 * Every Lambda function: one definition, read by the CDK functions construct (bundling, IAM)
 * and by the local runtime (which imports the same handler module).
 *
 * kind: api         API Gateway proxy integration (reads, login)
 *       task        a step of a workflow, invoked with arn:aws:states:::lambda:invoke; pure computation
 *       authorizer  the REQUEST authorizer
 *       docs        the API's description and its interactive page (`docsRoutes` of schemas/routes.ts)
 * tables: what the function may do to each table; CDK grants exactly this.
 * secrets: true when the function signs or verifies tokens (reads the JWT key pair).
 * search: 'read' | 'write' when the function uses the article search index.
 * files: package files the function reads at run time (`<package>/<file>`), copied next to its bundle.
 */
import { pascalCase } from './naming.ts';
import type { TableId } from './tables.ts';

export type FunctionKind = 'api' | 'task' | 'authorizer' | 'docs';
export type TableAccess = 'read' | 'write' | 'readwrite';

export interface FunctionDefinition {
  readonly name: string;
  readonly kind: FunctionKind;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly tables: Partial<Record<TableId, TableAccess>>;
  readonly jwtKey?: 'sign' | 'verify';
  readonly search?: 'read' | 'write';
  readonly files?: readonly string[];
}

export const functions: readonly FunctionDefinition[] = [
  {
    name: 'authorizer',
    kind: 'authorizer',
    entry: 'lambdas/authorizer/handler.ts',
    tables: {},
    jwtKey: 'verify',
  },
  { name: 'login', kind: 'api', entry: 'lambdas/api/login.ts', tables: { Users: 'read' }, jwtKey: 'sign' },
  {
    name: 'get-current-user',
    kind: 'api',
    entry: 'lambdas/api/get-current-user.ts',
    tables: { Users: 'read' },
  },
  {
    name: 'validate-registration',
    kind: 'task',
    entry: 'lambdas/tasks/validate-registration.ts',
    tables: {},
  },
  {
    name: 'validate-user-update',
    kind: 'task',
    entry: 'lambdas/tasks/validate-user-update.ts',
    tables: {},
  },
  {
    name: 'fingerprint-request',
    kind: 'task',
    entry: 'lambdas/tasks/fingerprint-request.ts',
    tables: {},
  },
  { name: 'issue-token', kind: 'task', entry: 'lambdas/tasks/issue-token.ts', tables: {}, jwtKey: 'sign' },
  { name: 'validate-article', kind: 'task', entry: 'lambdas/tasks/validate-article.ts', tables: {} },
  {
    name: 'validate-article-update',
    kind: 'task',
    entry: 'lambdas/tasks/validate-article-update.ts',
    tables: {},
  },
  { name: 'present-article', kind: 'task', entry: 'lambdas/tasks/present-article.ts', tables: {} },
  {
    name: 'get-profile',
    kind: 'api',
    entry: 'lambdas/api/get-profile.ts',
    tables: { Users: 'read', Relations: 'read' },
  },
  {
    name: 'list-comments',
    kind: 'api',
    entry: 'lambdas/api/list-comments.ts',
    tables: { Articles: 'read', Users: 'read', Relations: 'read' },
  },
  { name: 'present-profile', kind: 'task', entry: 'lambdas/tasks/present-profile.ts', tables: {} },
  { name: 'validate-comment', kind: 'task', entry: 'lambdas/tasks/validate-comment.ts', tables: {} },
  { name: 'build-comment', kind: 'task', entry: 'lambdas/tasks/build-comment.ts', tables: {} },
  { name: 'comment-key', kind: 'task', entry: 'lambdas/tasks/comment-key.ts', tables: {} },
  {
    name: 'sync-search-index',
    kind: 'task',
    entry: 'lambdas/tasks/sync-search-index.ts',
    tables: {},
    search: 'write',
  },
  {
    name: 'list-articles',
    kind: 'api',
    entry: 'lambdas/api/list-articles.ts',
    tables: { Users: 'read', Articles: 'read', Relations: 'read' },
    search: 'read',
  },
  {
    name: 'get-feed',
    kind: 'api',
    entry: 'lambdas/api/get-feed.ts',
    tables: { Users: 'read', Articles: 'read', Relations: 'read' },
  },
  {
    name: 'get-article',
    kind: 'api',
    entry: 'lambdas/api/get-article.ts',
    tables: { Users: 'read', Articles: 'read', Relations: 'read' },
  },
  { name: 'list-tags', kind: 'api', entry: 'lambdas/api/list-tags.ts', tables: {}, search: 'read' },
  { name: 'plan-stream-record', kind: 'task', entry: 'lambdas/tasks/plan-stream-record.ts', tables: {} },
  { name: 'plan-fan-out-writes', kind: 'task', entry: 'lambdas/tasks/plan-fan-out-writes.ts', tables: {} },
  {
    name: 'api-docs',
    kind: 'docs',
    entry: 'lambdas/docs/handler.ts',
    tables: {},
    files: ['swagger-ui-dist/swagger-ui.css', 'swagger-ui-dist/swagger-ui-bundle.js'],
  },
  {
    name: 'check-feed-entries',
    kind: 'task',
    entry: 'lambdas/tasks/check-feed-entries.ts',
    tables: { Articles: 'read', Relations: 'read' },
  },
];

export function findFunction(name: string): FunctionDefinition {
  const found = functions.find((definition) => definition.name === name);
  if (!found) throw new Error(`Unknown function "${name}" (schemas/functions.ts)`);
  return found;
}

/** ASL substitution variable for a function's ARN, e.g. ${IssueTokenFunctionArn}. */
/** CloudWatch namespace of the functions' business metrics (Powertools Metrics, EMF). */
export const metricsNamespace = 'Conduit';

export const functionSubstitution = (name: string): string => `${pascalCase(name)}FunctionArn`;
