/**
 * Cold start, the part that is timed: how long each function's bundle (bundles.ts, the CDK's
 * esbuild options) takes to import, module evaluation only, in a fresh `node` process each time;
 * the median of several. An import over the target is put down to the dependency that forces it:
 * the packages the bundle leaves to the Lambda runtime (the AWS SDK), imported together alone the
 * same way, when they take at least half the import; otherwise the bundle's own heaviest package.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tableEnvVar, tables } from '../../schemas/tables.ts';
import type { BundleSize } from './bundles.ts';

export const IMPORT_TARGET_MS = 100;

export interface ImportTime {
  readonly function: string;
  readonly medianMs: number;
  /** Over the target: the dependency that forces it, and its own import time (undefined if bundled). */
  readonly forcedBy?: { readonly name: string; readonly ms?: number };
}

const run = promisify(execFile);

/** Imports its arguments (relative paths or package names) and prints the milliseconds it took. */
const TIMER = `const started = performance.now(); for (const specifier of process.argv.slice(1)) await import(specifier); process.stdout.write(String(performance.now() - started));`;

/** What the handlers read at import, as CDK sets it (values are never used: nothing is called). */
const LAMBDA_ENVIRONMENT = {
  AWS_REGION: 'us-east-1',
  JWT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench',
  POWERTOOLS_SERVICE_NAME: 'conduit',
  POWERTOOLS_METRICS_NAMESPACE: 'Conduit',
  ...Object.fromEntries(tables.map((table) => [tableEnvVar(table.id), `bench-${table.id}`])),
};

async function timeImport(specifiers: readonly string[], cwd: string): Promise<number> {
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', TIMER, ...specifiers], {
    cwd,
    env: { PATH: process.env.PATH, ...LAMBDA_ENVIRONMENT },
  });
  return Number(stdout);
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

async function medianImport(specifiers: readonly string[], cwd: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let attempt = 0; attempt < runs; attempt++) times.push(await timeImport(specifiers, cwd));
  return median(times);
}

/** Import time of every bundle written to `dir` (bundleSizes(dir)), `runs` fresh processes each. */
export async function importTimes(
  bundles: readonly BundleSize[],
  dir: string,
  runs: number,
  progress: (step: string) => void,
): Promise<ImportTime[]> {
  /** Import times of the external package sets, by their names joined. */
  const provided = new Map<string, number>();
  const times: ImportTime[] = [];
  for (const bundle of bundles) {
    progress(`import time: ${bundle.function} (${runs} fresh processes)`);
    const medianMs = await medianImport([`./${bundle.function}.mjs`], dir, runs);
    if (medianMs <= IMPORT_TARGET_MS) {
      times.push({ function: bundle.function, medianMs });
      continue;
    }
    const name = bundle.external.join(' + ');
    if (name && !provided.has(name)) provided.set(name, await medianImport(bundle.external, dir, runs));
    const ms = provided.get(name) ?? 0;
    const forcedBy =
      name && ms >= medianMs / 2 ? { name, ms } : { name: bundle.heaviest[0]?.name ?? '(project)' };
    times.push({ function: bundle.function, medianMs, forcedBy });
  }
  return times;
}

/** Where the bundles are written for timing: inside node_modules, so their `@aws-sdk/…` imports resolve. */
export const bundleDir = (root: string): string => join(root, 'node_modules/.cache/conduit-bench');
