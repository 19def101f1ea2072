import { describe, expect, it } from '@jest/globals';
import {
  canonicalJson,
  type FingerprintInput,
  handler,
  UNUSABLE_KEY,
} from '../../lambdas/tasks/fingerprint-request.ts';
import { LEASE_SECONDS, RETENTION_SECONDS } from '../../schemas/idempotency-frame.ts';

const request = (overrides: Partial<FingerprintInput> = {}): FingerprintInput => ({
  workflow: 'create-article',
  key: 'a1b2c3',
  userId: 'user-1',
  path: {},
  query: {},
  body: { article: { title: 'T', description: 'd', body: 'b', tagList: ['x', 'y'] } },
  ...overrides,
});

const fingerprint = async (input: FingerprintInput) => {
  const result = await handler(input);
  if ('errors' in result) throw new Error(JSON.stringify(result));
  return result;
};

describe('fingerprint-request', () => {
  it('writes JSON with object keys sorted at every depth, arrays in order', () => {
    expect(canonicalJson({ b: [{ d: 1, c: null }], a: 'x' })).toBe('{"a":"x","b":[{"c":null,"d":1}]}');
  });

  it('names the item by the caller and the key; registration, with no caller, by "anonymous"', async () => {
    expect((await fingerprint(request())).pk).toBe('idempotency#user-1#a1b2c3');
    expect((await fingerprint(request({ userId: '', workflow: 'register-user' }))).pk).toBe(
      'idempotency#anonymous#a1b2c3',
    );
  });

  it('gives one fingerprint whatever the order of the body keys, another for any other request', async () => {
    const first = (await fingerprint(request())).fingerprint;
    const reordered = request({
      body: { article: { tagList: ['x', 'y'], body: 'b', description: 'd', title: 'T' } },
    });
    expect((await fingerprint(reordered)).fingerprint).toBe(first);
    expect(first).toMatch(/^sha256:[0-9a-f]{64}$/);
    const others = [
      request({ workflow: 'update-article' }),
      request({ path: { slug: 't' } }),
      request({ query: { a: '1' } }),
      request({ body: { article: { title: 'T', description: 'd', body: 'b', tagList: ['y', 'x'] } } }),
      request({ body: null }),
    ];
    for (const other of others) expect((await fingerprint(other)).fingerprint).not.toBe(first);
  });

  it('digests a body carrying a password with scrypt salted by the item key, never a fast hash', async () => {
    const user = { username: 'jake', email: 'jake@jake.jake', password: 'jakejake' };
    const registration = request({ workflow: 'register-user', userId: '', body: { user } });
    const first = (await fingerprint(registration)).fingerprint;
    expect(first).toMatch(/^scrypt:[0-9a-f]{64}$/);
    expect((await fingerprint(registration)).fingerprint).toBe(first);
    const otherPassword = { ...registration, body: { user: { ...user, password: 'jakejakf' } } };
    expect((await fingerprint(otherPassword)).fingerprint).not.toBe(first);
    expect((await fingerprint({ ...registration, key: 'other' })).fingerprint).not.toBe(first);
  });

  it('leases the key for the longest express execution and keeps it 24 h', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { now, leaseExpiresAt, expiresAt } = await fingerprint(request());
    expect(Number(now)).toBeGreaterThanOrEqual(before);
    expect(Number(leaseExpiresAt) - Number(now)).toBe(LEASE_SECONDS);
    expect(LEASE_SECONDS).toBe(300);
    expect(Number(expiresAt) - Number(now)).toBe(RETENTION_SECONDS);
    expect(RETENTION_SECONDS).toBe(86_400);
  });

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['a space', 'two words'],
    ['a non-ASCII character', 'clé'],
    ['a control character', 'key\u0001'],
  ])('refuses a key with %s', async (_case, key) => {
    expect(await handler(request({ key }))).toEqual(UNUSABLE_KEY);
  });

  it('takes a key of 255 visible ASCII characters', async () => {
    expect(await handler(request({ key: '~'.repeat(255) }))).toHaveProperty('fingerprint');
  });
});
