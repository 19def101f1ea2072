/**
 * JWTs signed with an asymmetric key (ES256) through jose. The key pair comes from Secrets Manager
 * in AWS (JWT_SECRET_ARN: a JSON secret {"privateKey": PKCS#8 PEM, "publicKey": SPKI PEM}) or from
 * PEM files in JWT_KEY_DIR locally; it is read once per execution environment. A read that fails (a
 * throttle or timeout at a cold start) is not kept: the next call reads again, and the failure is an
 * infrastructure error for the caller, never an invalid token.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { importPKCS8, importSPKI, jwtVerify, SignJWT } from 'jose';

export const JWT_ALGORITHM = 'ES256';
const ISSUER = 'conduit';
const LIFETIME = '30d';

export const PRIVATE_KEY_FILE = 'jwt-private.pem';
export const PUBLIC_KEY_FILE = 'jwt-public.pem';

interface KeyPairPem {
  readonly privateKey: string;
  readonly publicKey: string;
}

/** A token that does not authenticate anyone: malformed, badly signed, expired, without expiry or subject. */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** Memoizes a load once it succeeds; a rejected load is forgotten, so the next call loads again. */
function memoizeSuccess<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

async function loadPem(): Promise<KeyPairPem> {
  const secretArn = process.env.JWT_SECRET_ARN;
  if (secretArn) {
    const secrets = new SecretsManagerClient({});
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!SecretString) throw new Error('The JWT key secret is empty');
    return JSON.parse(SecretString) as KeyPairPem;
  }
  const dir = process.env.JWT_KEY_DIR;
  if (!dir) throw new Error('Neither JWT_SECRET_ARN nor JWT_KEY_DIR is set');
  const [privateKey, publicKey] = await Promise.all([
    readFile(join(dir, PRIVATE_KEY_FILE), 'utf8'),
    readFile(join(dir, PUBLIC_KEY_FILE), 'utf8'),
  ]);
  return { privateKey, publicKey };
}

const pem = memoizeSuccess(loadPem);
const signingKey = memoizeSuccess(async () => importPKCS8((await pem()).privateKey, JWT_ALGORITHM));
const verifyingKey = memoizeSuccess(async () => importSPKI((await pem()).publicKey, JWT_ALGORITHM));

export interface TokenClaims {
  readonly userId: string;
}

export async function signToken(claims: TokenClaims): Promise<string> {
  const key = await signingKey();
  return new SignJWT({})
    .setProtectedHeader({ alg: JWT_ALGORITHM })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(LIFETIME)
    .sign(key);
}

/**
 * Returns the claims of a valid token. Throws InvalidTokenError for a token that does not authenticate
 * (a token without `exp` would be valid forever, so it does not); any other error is the key's.
 */
export async function verifyToken(token: string): Promise<TokenClaims> {
  const key = await verifyingKey();
  let subject: unknown;
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [JWT_ALGORITHM],
      issuer: ISSUER,
      requiredClaims: ['exp', 'sub'],
    });
    subject = payload.sub;
  } catch (error) {
    throw new InvalidTokenError((error as Error).message);
  }
  if (typeof subject !== 'string' || !subject) throw new InvalidTokenError('token has no subject');
  return { userId: subject };
}

/** A request's Authorization header, whatever the case of its name (header names are case-insensitive). */
export function authorizationHeader(
  headers: Readonly<Record<string, string | undefined>> | null | undefined,
): string | undefined {
  const name = Object.keys(headers ?? {}).find((key) => key.toLowerCase() === 'authorization');
  return name === undefined ? undefined : headers?.[name];
}

/** The token of an `Authorization: Token <jwt>` (or `Bearer <jwt>`) header; undefined for any other form. */
export function tokenFromHeader(header: string): string | undefined {
  const match = /^\s*(?:Token|Bearer)\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
