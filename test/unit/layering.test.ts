/**
 * Production code never depends on the emulator: nothing that CDK synthesizes or bundles (cdk/,
 * lambdas/, schemas/) imports from local/, so a synth or a Lambda bundle never loads it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { fromRoot, repoRoot } from '../../schemas/paths.ts';

function typeScriptFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]/g)].map(
    (match) => match[1] ?? match[2] ?? '',
  );

describe.each(['cdk', 'lambdas', 'schemas'])('%s/', (folder) => {
  const files = typeScriptFiles(fromRoot(folder));

  it('has TypeScript files to check', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('imports nothing from local/', () => {
    const offending = files.flatMap((file) =>
      importsOf(file)
        .filter((specifier) => specifier.startsWith('.'))
        .filter((specifier) => relative(repoRoot, join(file, '..', specifier)).startsWith('local/'))
        .map((specifier) => `${relative(repoRoot, file)} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });
});
