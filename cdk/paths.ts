/** Filesystem anchors for the CDK app: everything it reads lives in the repository. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (the CDK app lives in <root>/cdk). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Absolute path of a repository-relative path such as an ASL file or a handler entry. */
export const fromRoot = (relativePath: string): string => resolve(repoRoot, relativePath);
