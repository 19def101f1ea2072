/**
 * Builds the stacks of one stage into an app. Used by app.ts (the `cdk` entry point) and by the
 * tests, which pass `functionCode` to skip bundling.
 */
import { type App, type Environment, Tags } from 'aws-cdk-lib';
import { stageConfig } from './config.ts';
import type { FunctionCodeFactory } from './constructs/functions.ts';
import { ApplicationStack } from './stacks/application-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { SearchStack } from './stacks/search-stack.ts';

export interface ConduitOptions {
  readonly stage: string;
  readonly env?: Environment;
  /** Tests only. */
  readonly functionCode?: FunctionCodeFactory;
}

export interface ConduitStacks {
  readonly data: DataStack;
  readonly search: SearchStack;
  readonly application: ApplicationStack;
}

export function buildConduit(app: App, options: ConduitOptions): ConduitStacks {
  const config = stageConfig(options.stage, {
    jwtKeyRotation: String(app.node.tryGetContext('jwtKeyRotation') ?? ''),
  });
  const prefix = `Conduit-${config.stage}`;
  const common = { env: options.env, config };
  const data = new DataStack(app, `${prefix}-Data`, {
    ...common,
    description: `Conduit ${config.stage}: DynamoDB tables and the JWT key pair (stateful)`,
  });
  const search = new SearchStack(app, `${prefix}-Search`, {
    ...common,
    description: `Conduit ${config.stage}: OpenSearch domain for article lists and tags (stateful)`,
  });
  const application = new ApplicationStack(app, `${prefix}-App`, {
    ...common,
    description: `Conduit ${config.stage}: API, workflows, functions and stream pipes`,
    tables: data.tables,
    jwt: { signingSecret: data.jwtSigningSecret, verifyingSecret: data.jwtVerifyingSecret },
    search: search.endpoint,
    functionCode: options.functionCode,
  });
  for (const stack of [data, search, application]) {
    Tags.of(stack).add('project', 'conduit');
    Tags.of(stack).add('stage', config.stage);
  }
  return { data, search, application };
}
