/**
 * JWTs signed with an asymmetric key (ES256) through jose. The key pair comes from Secrets Manager
 * in AWS (JWT_SECRET_ARN: a JSON secret {"privateKey": PKCS#8 PEM, "publicKey": SPKI PEM}) or from
 * PEM files in JWT_KEY_DIR locally; it is read once per execution environment.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type CryptoKey, importPKCS8, importSPKI, jwtVerify, SignJWT } from 'jose';

export const JWT_ALGORITHM = 'ES256';
const ISSUER = 'conduit';
const LIFETIME = '30d';

export const PRIVATE_KEY_FILE = 'jwt-private.pem';
export const PUBLIC_KEY_FILE = 'jwt-public.pem';

interface KeyPairPem {
  readonly privateKey: string;
  readonly publicKey: string;
}

let pemPromise: Promise<KeyPairPem> | undefined;
let signingKey: Promise<CryptoKey> | undefined;
let verifyingKey: Promise<CryptoKey> | undefined;

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

const pem = (): Promise<KeyPairPem> => {
  pemPromise ??= loadPem();
  return pemPromise;
};

export interface TokenClaims {
  readonly userId: string;
}

export async function signToken(claims: TokenClaims): Promise<string> {
  signingKey ??= pem().then((keys) => importPKCS8(keys.privateKey, JWT_ALGORITHM));
  return new SignJWT({})
    .setProtectedHeader({ alg: JWT_ALGORITHM })
    .setSubject(claims.userId)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(LIFETIME)
    .sign(await signingKey);
}

/** Returns the claims of a valid token; throws for a bad signature, an expired token or garbage. */
export async function verifyToken(token: string): Promise<TokenClaims> {
  verifyingKey ??= pem().then((keys) => importSPKI(keys.publicKey, JWT_ALGORITHM));
  const { payload } = await jwtVerify(token, await verifyingKey, {
    algorithms: [JWT_ALGORITHM],
    issuer: ISSUER,
  });
  if (!payload.sub) throw new Error('token has no subject');
  return { userId: payload.sub };
}

/** The token of an `Authorization: Token <jwt>` (or `Bearer <jwt>`) header, if any. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  const match = /^(?:Token|Bearer)\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
