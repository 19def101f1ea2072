/**
 * lambdas/shared/tokens.ts with a key loader that fails: the key pair comes from JWT_KEY_DIR, which
 * the test points at a directory that is empty at first, as a Secrets Manager read that fails.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { importPKCS8, SignJWT } from 'jose';
import {
  InvalidTokenError,
  JWT_ALGORITHM,
  PRIVATE_KEY_FILE,
  signToken,
  verifyToken,
} from '../../lambdas/shared/tokens.ts';
import { ensureKeyPair } from '../../local/keys.ts';

const keyDir = join(mkdtempSync(join(tmpdir(), 'conduit-tokens-')), 'keys');

describe('a key read that failed', () => {
  beforeAll(() => {
    process.env.JWT_KEY_DIR = keyDir;
  });

  it('is an infrastructure error, not an invalid token, and is not remembered', async () => {
    const verifying = verifyToken('eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl');
    await expect(verifying).rejects.toThrow(/ENOENT/);
    await expect(verifying).rejects.not.toBeInstanceOf(InvalidTokenError);
    await expect(signToken({ userId: 'u1' })).rejects.toThrow(/ENOENT/);

    await ensureKeyPair(keyDir);
    const token = await signToken({ userId: 'u1' });
    await expect(verifyToken(token)).resolves.toEqual({ userId: 'u1' });
  });
});

describe('verifyToken', () => {
  beforeAll(async () => {
    process.env.JWT_KEY_DIR = keyDir;
    await ensureKeyPair(keyDir);
  });

  const signed = async (build: (jwt: SignJWT) => SignJWT) => {
    const key = await importPKCS8(readFileSync(join(keyDir, PRIVATE_KEY_FILE), 'utf8'), JWT_ALGORITHM);
    return build(new SignJWT({}).setProtectedHeader({ alg: JWT_ALGORITHM }).setIssuer('conduit')).sign(key);
  };

  it.each([
    ['garbage', async () => 'not-a-jwt'],
    ['no expiry', () => signed((jwt) => jwt.setSubject('u1').setIssuedAt())],
    [
      'expired',
      () => signed((jwt) => jwt.setSubject('u1').setExpirationTime(Math.floor(Date.now() / 1000) - 60)),
    ],
    ['no subject', () => signed((jwt) => jwt.setExpirationTime('1h'))],
  ])('rejects a token with %s as an InvalidTokenError', async (_case, token) => {
    await expect(verifyToken(await token())).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('accepts a token with a subject and an expiry', async () => {
    const token = await signed((jwt) => jwt.setSubject('u1').setExpirationTime('1h'));
    await expect(verifyToken(token)).resolves.toEqual({ userId: 'u1' });
  });
});
