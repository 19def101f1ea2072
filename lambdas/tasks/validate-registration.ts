/**
 * Workflow task of register-user: validates the body and hashes the password. Pure computation:
 * returns the user record to write (DynamoDB JSON) and the keys of its marker items, or the
 * validation errors as a value for the workflow to turn into a 422.
 */
import { randomUUID } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import bcrypt from 'bcryptjs';
import { registerUserRequest, validationErrors } from '../../schemas/requests.ts';
import { bcryptCost } from '../shared/config.ts';
import { emailKey, userKey, usernameKey } from '../shared/keys.ts';
import { workflowTask } from '../shared/observability.ts';
import type { UserRecord } from '../shared/records.ts';

export interface RegistrationInput {
  readonly body: unknown;
}

export type RegistrationResult =
  | { readonly errors: Record<string, string[]> }
  | {
      readonly userId: string;
      readonly userKey: string;
      readonly emailKey: string;
      readonly usernameKey: string;
      readonly item: Record<string, unknown>;
      readonly user: { email: string; username: string; bio: null; image: null };
    };

export const handler = workflowTask(async ({ body }: RegistrationInput): Promise<RegistrationResult> => {
  const parsed = registerUserRequest.safeParse(body ?? {});
  if (!parsed.success) return { errors: validationErrors(parsed.error) };
  const { username, email, password } = parsed.data.user;
  const id = randomUUID();
  const now = new Date().toISOString();
  const record: UserRecord = {
    pk: userKey(id),
    id,
    username,
    email,
    passwordHash: await bcrypt.hash(password, bcryptCost()),
    bio: null,
    image: null,
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  return {
    userId: id,
    userKey: record.pk,
    emailKey: emailKey(email),
    usernameKey: usernameKey(username),
    item: marshall(record),
    user: { email, username, bio: null, image: null },
  };
});
