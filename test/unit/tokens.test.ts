/**
 * lambdas/shared/tokens.ts reading its key pair from a Secrets Manager that fails, then answers: the
 * local one (local/secrets-manager.ts) with its faults, reached as in AWS through JWT_SECRET_ARN and
 * AWS_ENDPOINT_URL_SECRETS_MANAGER. Nothing in this file may read the key before the first test.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { importPKCS8, SignJWT } from 'jose';
import { InvalidTokenError, JWT_ALGORITHM, signToken, verifyToken } from '../../lambdas/shared/tokens.ts';
import { localAwsConfig } from '../../local/dynamodb-local.ts';
import { FaultInjector, parseFaultSpec } from '../../local/faults.ts';
import { ensureKeyPair, type KeyPairPem } from '../../local/keys.ts';
import { type LocalSecretsManager, startLocalSecretsManager } from '../../local/secrets-manager.ts';

const faults = new FaultInjector();
let secretsManager: LocalSecretsManager;
let keyPair: KeyPairPem;

beforeAll(async () => {
  keyPair = await ensureKeyPair(join(mkdtempSync(join(tmpdir(), 'conduit-tokens-')), 'keys'));
  secretsManager = await startLocalSecretsManager({ keyPair, faults });
  Object.assign(process.env, {
    JWT_SECRET_ARN: secretsManager.secretArn,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
    AWS_REGION: localAwsConfig.region,
    AWS_ACCESS_KEY_ID: localAwsConfig.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localAwsConfig.credentials.secretAccessKey,
  });
});

afterAll(() => secretsManager.stop());

const SOME_TOKEN = 'eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl';

describe('a key read that failed', () => {
  it('is a TimeoutError within a few seconds when Secrets Manager never answers, not an invalid token', async () => {
    faults.set(parseFaultSpec('secretsmanager:timeout'));
    const started = performance.now();
    const failure = await verifyToken(SOME_TOKEN).catch((error: unknown) => error);
    expect({
      name: (failure as Error).name,
      invalidToken: failure instanceof InvalidTokenError,
      attempts: faults.injected().count,
      bounded: performance.now() - started < 8_000,
    }).toEqual({ name: 'TimeoutError', invalidToken: false, attempts: 3, bounded: true });
  }, 15_000);

  it('is the ThrottlingException once the SDK retries are spent, not an invalid token', async () => {
    faults.set(parseFaultSpec('secretsmanager:ThrottlingException'));
    for (const read of [() => verifyToken(SOME_TOKEN), () => signToken({ userId: 'u1' })]) {
      const failure = await read().catch((error: unknown) => error);
      expect({ name: (failure as Error).name, invalidToken: failure instanceof InvalidTokenError }).toEqual({
        name: 'ThrottlingException',
        invalidToken: false,
      });
    }
  });

  it('is not remembered: once Secrets Manager answers, tokens are signed and verified', async () => {
    faults.clear();
    const token = await signToken({ userId: 'u1' });
    await expect(verifyToken(token)).resolves.toEqual({ userId: 'u1' });
  });
});

describe('verifyToken', () => {
  const signed = async (build: (jwt: SignJWT) => SignJWT) => {
    const key = await importPKCS8(keyPair.privateKey, JWT_ALGORITHM);
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
