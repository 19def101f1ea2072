/**
 * Cold start, the part that can be counted: each function's bundle, built by esbuild with the CDK's
 * bundling options (cdk/constructs/functions.ts), its size and the packages that weigh most in it
 * (from the metafile). Import time needs a quiet machine and is measured elsewhere.
 */
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

export async function bundleSizes(): Promise<BundleSize[]> {
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
    sizes.push({
      function: definition.name,
      bytes: bundle.contents.byteLength,
      heaviest: heaviest(metafile),
      hashes: Object.keys(metafile.inputs).some((input) => packageOf(input) === 'bcryptjs'),
    });
  }
  return sizes;
}
