/**
 * JWTs signed with an asymmetric key (ES256) through jose. The key pair comes from Secrets Manager
 * (JWT_SECRET_ARN: a JSON secret {"privateKey": PKCS#8 PEM, "publicKey": SPKI PEM}; the local
 * runtime serves one, local/secrets-manager.ts); it is read once per execution environment. A read
 * that fails (a throttle or timeout at a cold start) is not kept: the next call reads again, and the
 * failure is an infrastructure error for the caller, never an invalid token.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { importPKCS8, importSPKI, jwtVerify, SignJWT } from 'jose';

export const JWT_ALGORITHM = 'ES256';
const ISSUER = 'conduit';
const LIFETIME = '30d';

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

/**
 * Each attempt's bound on connecting and on the whole request. Without one, the SDK waits on a
 * connection that never answers until the function times out; bounded, a stalled attempt is retried
 * (TimeoutError is a transient error for the SDK) and the read fails within about 3 s at worst.
 */
const SECRETS_MANAGER_TIMEOUT_MS = 1000;

async function loadPem(): Promise<KeyPairPem> {
  const secretArn = process.env.JWT_SECRET_ARN;
  if (!secretArn) throw new Error('JWT_SECRET_ARN is not set');
  const secrets = new SecretsManagerClient({
    requestHandler: {
      connectionTimeout: SECRETS_MANAGER_TIMEOUT_MS,
      requestTimeout: SECRETS_MANAGER_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  });
  try {
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!SecretString) throw new Error('The JWT key secret is empty');
    return JSON.parse(SecretString) as KeyPairPem;
  } finally {
    secrets.destroy();
  }
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
