/** Helpers of the workflow tests: the execution input of a request, and users registered for real. */
import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Runtime } from '../../local/runtime.ts';
import { userIdOf } from './articles.ts';
import { uniqueName } from './runtime.ts';

/** JSON, as the workflow runner takes it. */
export type Json = Parameters<Runtime['workflows']['startSync']>[1];

/** The execution input the request template builds for an express workflow (state-machines/README.md). */
export const requestInput = ({
  userId = '',
  path = {},
  body = null,
}: {
  userId?: string;
  path?: Record<string, string>;
  body?: Json;
}): Json => ({ requestId: randomUUID(), auth: { userId }, idempotencyKey: '', path, query: {}, body });

/** Registers a user through the register-user workflow; returns its id, username and email. */
export async function registerThroughWorkflow(
  runtime: Runtime,
  db: DynamoDBDocumentClient,
  prefix = 'wf',
): Promise<{ id: string; username: string; email: string }> {
  const username = uniqueName(prefix);
  const email = `${username}@example.com`;
  const result = await runtime.workflows.startSync(
    'register-user',
    requestInput({ body: { user: { username, email, password: 'password123' } } }),
  );
  if (result.status !== 'SUCCEEDED') throw new Error(`register-user ${result.error}: ${result.cause}`);
  return { id: await userIdOf(db, runtime, username), username, email };
}
