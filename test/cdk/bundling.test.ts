/**
 * Real esbuild bundling, as `cdk synth` does it, for two representative handlers (a small ESM one
 * and one with CommonJS dependencies); the other CDK tests inline stub code to stay fast.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { stageConfig } from '../../cdk/config.ts';
import { ConduitFunctions } from '../../cdk/constructs/functions.ts';
import { ConduitTables } from '../../cdk/constructs/tables.ts';
import { findFunction } from '../../schemas/functions.ts';

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
  definitions: [findFunction('authorizer'), findFunction('login')],
});
const template = Template.fromStack(stack);
const lambdas = Object.values(template.findResources('AWS::Lambda::Function'));

describe('bundling (what `cdk synth` does)', () => {
  test('both handlers are bundled', () => {
    expect(lambdas).toHaveLength(2);
  });

  test.each(lambdas.map((fn) => [fn.Properties.Description as string, fn]))(
    '%s: minified ESM with a source map, AWS SDK left to the runtime',
    (_path, fn) => {
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      const assetDir = join(app.outdir, fn.Metadata['aws:asset:path']);
      expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
      // Minified: thousands of characters per line on average (unminified code averages ~40).
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      // ESM exporting the handler, with the require() shim for CommonJS dependencies.
      expect(code).toMatch(/export\s*\{[^}]*as handler\s*\}/);
      expect(code.startsWith("import { createRequire } from 'node:module';")).toBe(true);
      // The AWS SDK comes from the runtime: imported, never bundled.
      expect(code).toMatch(/from\s*"@aws-sdk\/client-[a-z-]+"/);
      expect(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8')).toContain('"sources"');
    },
  );
});
