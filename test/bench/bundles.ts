/**
 * Cold start, the part that can be counted: each function's bundle, built by esbuild with the CDK's
 * bundling options (cdk/constructs/functions.ts), its size and the packages that weigh most in it
 * (from the metafile), and the packages it leaves to the Lambda runtime. Given a directory, the
 * bundles are written there for their import time (imports.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { BUNDLING } from '../../cdk/constructs/functions.ts';
import { functions } from '../../schemas/functions.ts';
import { fromRoot } from '../../schemas/paths.ts';

export interface BundleSize {
  readonly function: string;
  readonly bytes: number;
  /** The heaviest packages (or `(project)` for our own code), bytes in the output, largest first. */
  readonly heaviest: readonly { readonly name: string; readonly bytes: number }[];
  /** Whether it bundles bcryptjs: its invocations hash at cost 10, the bill model adds that time. */
  readonly hashes: boolean;
  /** Packages it imports that the Lambda runtime provides (`@aws-sdk/…`). */
  readonly external: readonly string[];
}

/** `node_modules/@scope/name/…` → `@scope/name`, `node_modules/name/…` → `name`, else our own code. */
function packageOf(path: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path.slice(path.lastIndexOf('node_modules/')));
  return match?.[1] ?? '(project)';
}

function heaviest(metafile: Metafile): { name: string; bytes: number }[] {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      byPackage.set(packageOf(input), (byPackage.get(packageOf(input)) ?? 0) + bytesInOutput);
    }
  }
  return [...byPackage]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3);
}

/** The bundles' sizes; with `outDir`, each is also written there as `<function>.mjs`. */
export async function bundleSizes(outDir?: string): Promise<BundleSize[]> {
  if (outDir) mkdirSync(outDir, { recursive: true });
  const sizes: BundleSize[] = [];
  for (const definition of functions) {
    const result = await build({
      entryPoints: [fromRoot(definition.entry)],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      outfile: 'index.mjs',
      format: BUNDLING.format,
      target: BUNDLING.target,
      minify: BUNDLING.minify,
      // The map is a file of its own beside the bundle: it is not loaded at a cold start.
      sourcemap: BUNDLING.sourceMap ? 'external' : false,
      sourcesContent: BUNDLING.sourcesContent,
      mainFields: BUNDLING.mainFields,
      banner: BUNDLING.banner ? { js: BUNDLING.banner } : {},
      external: BUNDLING.externalModules,
      logLevel: 'error',
    });
    const { outputFiles = [], metafile } = result;
    const bundle = outputFiles.find((file) => file.path.endsWith('.mjs'));
    if (!bundle || !metafile) throw new Error(`${definition.entry}: esbuild wrote no bundle`);
    if (outDir) writeFileSync(join(outDir, `${definition.name}.mjs`), bundle.contents);
    const external = Object.values(metafile.outputs).flatMap(({ imports }) =>
      imports.filter(({ external, path }) => external && !isBuiltin(path)).map(({ path }) => path),
    );
    sizes.push({
      function: definition.name,
      bytes: bundle.contents.byteLength,
      heaviest: heaviest(metafile),
      hashes: Object.keys(metafile.inputs).some((input) => packageOf(input) === 'bcryptjs'),
      external: [...new Set(external)].sort(),
    });
  }
  return sizes;
}
