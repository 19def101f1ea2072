/**
 * The CDK app: `npx cdk synth|deploy [-c stage=<name>]` (cdk.json runs this file with tsx).
 * Stacks: Conduit-<stage>-Data, Conduit-<stage>-Search, Conduit-<stage>-App. cdk-nag's AwsSolutions
 * checks run on every synth; an unsuppressed finding fails it.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildConduit } from './conduit.ts';

const app = new App();
const stage = String(app.node.tryGetContext('stage') ?? 'dev');
buildConduit(app, {
  stage,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
