/** The local JWT key pair: generated once into the data directory, as Secrets Manager holds it in AWS. */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { JWT_ALGORITHM, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from '../lambdas/shared/tokens.ts';

export async function ensureKeyPair(dir: string): Promise<void> {
  if (existsSync(join(dir, PRIVATE_KEY_FILE)) && existsSync(join(dir, PUBLIC_KEY_FILE))) return;
  await mkdir(dir, { recursive: true });
  const { privateKey, publicKey } = await generateKeyPair(JWT_ALGORITHM, { extractable: true });
  await writeFile(join(dir, PRIVATE_KEY_FILE), await exportPKCS8(privateKey), { mode: 0o600 });
  await writeFile(join(dir, PUBLIC_KEY_FILE), await exportSPKI(publicKey));
}
