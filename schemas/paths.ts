/**
 * The registries name files relative to the repository root (handler entries, ASL files); CDK, the
 * local runtime and the tests resolve them here.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Absolute path of a repository-relative path such as an ASL file or a handler entry. */
export const fromRoot = (relativePath: string): string => resolve(repoRoot, relativePath);
