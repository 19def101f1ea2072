/**
 * The local JWT key pair: generated once into the data directory as PEM files, and served as the
 * secret Secrets Manager holds in AWS (local/secrets-manager.ts).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { JWT_ALGORITHM } from '../lambdas/shared/tokens.ts';

export const PRIVATE_KEY_FILE = 'jwt-private.pem';
export const PUBLIC_KEY_FILE = 'jwt-public.pem';

/** The secret's value: PKCS#8 and SPKI PEM (cdk/constructs/jwt-keys.ts). */
export interface KeyPairPem {
  readonly privateKey: string;
  readonly publicKey: string;
}

/** The key pair of a directory, generated first when it has none. */
export async function ensureKeyPair(dir: string): Promise<KeyPairPem> {
  if (!existsSync(join(dir, PRIVATE_KEY_FILE)) || !existsSync(join(dir, PUBLIC_KEY_FILE))) {
    await mkdir(dir, { recursive: true });
    const { privateKey, publicKey } = await generateKeyPair(JWT_ALGORITHM, { extractable: true });
    await writeFile(join(dir, PRIVATE_KEY_FILE), await exportPKCS8(privateKey), { mode: 0o600 });
    await writeFile(join(dir, PUBLIC_KEY_FILE), await exportSPKI(publicKey));
  }
  const [privateKey, publicKey] = await Promise.all([
    readFile(join(dir, PRIVATE_KEY_FILE), 'utf8'),
    readFile(join(dir, PUBLIC_KEY_FILE), 'utf8'),
  ]);
  return { privateKey, publicKey };
}
