import { fileURLToPath } from 'node:url';

/** The repository root, where schemas/, state-machines/ and lambdas/ live. */
export const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
