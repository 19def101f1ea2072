/**
 * Workflow task of every express workflow given an Idempotency-Key (state-machines/README.md): checks
 * the key, names its item, fingerprints the request and dates the claim. Pure computation.
 *
 * The fingerprint is a digest of the workflow, the path, the query and the body, with object keys
 * sorted so that the order a client serializes them in does not matter (array order does). A body
 * that carries a password is digested with scrypt, salted by the item's key, so that the table never
 * holds a fast hash of a password.
 */
import { createHash, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import {
  IDEMPOTENCY_KEY_PATTERN,
  LEASE_SECONDS,
  RETENTION_SECONDS,
} from '../../schemas/idempotency-frame.ts';
import { idempotencyItemKey } from '../shared/keys.ts';
import { workflowTask } from '../shared/observability.ts';

export const UNUSABLE_KEY = { errors: { 'Idempotency-Key': ['must be 1 to 255 visible ASCII characters'] } };

export interface FingerprintInput {
  readonly workflow: string;
  readonly key: string;
  readonly userId: string;
  readonly path: unknown;
  readonly query: unknown;
  readonly body: unknown;
}

/** DynamoDB number attributes travel as strings. */
export type FingerprintResult =
  | {
      readonly pk: string;
      readonly fingerprint: string;
      readonly now: string;
      readonly leaseExpiresAt: string;
      readonly expiresAt: string;
    }
  | typeof UNUSABLE_KEY;

/** JSON with every object's keys in order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const carriesPassword = (value: unknown): boolean =>
  value !== null &&
  typeof value === 'object' &&
  Object.entries(value).some(([key, item]) => key === 'password' || carriesPassword(item));

const scryptAsync = promisify(scrypt) as (password: string, salt: string, keylen: number) => Promise<Buffer>;

export async function fingerprintOf(
  { workflow, path, query, body }: FingerprintInput,
  pk: string,
): Promise<string> {
  const request = canonicalJson({ workflow, path, query, body });
  if (carriesPassword(body)) return `scrypt:${(await scryptAsync(request, pk, 32)).toString('hex')}`;
  return `sha256:${createHash('sha256').update(request).digest('hex')}`;
}

export const handler = workflowTask(async (input: FingerprintInput): Promise<FingerprintResult> => {
  if (!IDEMPOTENCY_KEY_PATTERN.test(input.key)) return UNUSABLE_KEY;
  const pk = idempotencyItemKey(input.userId, input.key);
  const now = Math.floor(Date.now() / 1000);
  return {
    pk,
    fingerprint: await fingerprintOf(input, pk),
    now: String(now),
    leaseExpiresAt: String(now + LEASE_SECONDS),
    expiresAt: String(now + RETENTION_SECONDS),
  };
});
