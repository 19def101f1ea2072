/**
 * Real esbuild bundling, as `cdk synth` does it, for representative handlers (a small ESM one, one
 * with CommonJS dependencies, one with package files beside its bundle); the other CDK tests
 * inline stub code to stay fast.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { stageConfig } from '../../cdk/config.ts';
import { ConduitFunctions } from '../../cdk/constructs/functions.ts';
import { ConduitTables } from '../../cdk/constructs/tables.ts';
import { findFunction, functions } from '../../schemas/functions.ts';

const require = createRequire(import.meta.url);

const config = stageConfig('dev');
// The CLI turns on asset metadata; it says where each bundle was staged.
const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
const stack = new Stack(app, 'Bundling');
const tables = new ConduitTables(stack, 'Tables', config).tables;
new ConduitFunctions(stack, 'Functions', {
  config,
  tables,
  jwt: { signingSecret: new Secret(stack, 'Signing'), verifyingSecret: new Secret(stack, 'Verifying') },
  search: {
    domainArn: 'arn:aws:es:us-east-1:123456789012:domain/conduit-dev',
    url: 'https://search',
    replicas: 0,
  },
  definitions: [findFunction('authorizer'), findFunction('login'), findFunction('api-docs')],
});
const template = Template.fromStack(stack);
const lambdas = Object.values(template.findResources('AWS::Lambda::Function'));

describe('bundling (what `cdk synth` does)', () => {
  test('the handlers are bundled', () => {
    expect(lambdas).toHaveLength(3);
  });

  test.each(lambdas.map((fn) => [fn.Properties.Description as string, fn]))(
    '%s: minified ESM with a source map, AWS SDK left to the runtime',
    (description, fn) => {
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      const assetDir = join(app.outdir, fn.Metadata['aws:asset:path']);
      // Beside the bundle: the package files the function reads at run time.
      const definition = functions.find(({ name }) => description.includes(`: ${name} (`));
      const files = definition?.files ?? [];
      expect(readdirSync(assetDir).sort()).toEqual(
        ['index.mjs', 'index.mjs.map', ...files.map((file) => basename(file))].sort(),
      );
      for (const file of files) {
        const copied = readFileSync(join(assetDir, basename(file)));
        expect(copied.equals(readFileSync(require.resolve(file)))).toBe(true);
      }
      const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
      // Minified: thousands of characters per line on average (unminified code averages ~40).
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      // ESM exporting the handler, with the require() shim for CommonJS dependencies.
      expect(code).toMatch(/export\s*\{[^}]*as handler\s*\}/);
      expect(code.startsWith("import { createRequire } from 'node:module';")).toBe(true);
      // The AWS SDK comes from the runtime: imported, never bundled (by those that use it).
      if (definition?.jwtKey || Object.keys(definition?.tables ?? {}).length) {
        expect(code).toMatch(/from\s*"@aws-sdk\/client-[a-z-]+"/);
      }
      expect(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8')).toContain('"sources"');
    },
  );
});
