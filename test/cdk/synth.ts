/**
 * Synthesizes the app for the CDK tests. Function code is inlined (no esbuild) so the assertions run
 * in seconds and do not depend on every handler file existing yet; bundling itself is covered by
 * bundling.test.ts and by `cdk synth`.
 */
import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { buildConduit, type ConduitStacks } from '../../cdk/conduit.ts';
import { fromRoot } from '../../schemas/paths.ts';

export const inlineCode = () => Code.fromInline('exports.handler = async () => ({})');

export interface Synthesized {
  readonly app: App;
  readonly stacks: ConduitStacks;
  readonly data: Template;
  readonly search: Template;
  readonly application: Template;
}

/** The context of cdk.json (feature flags), so tests synthesize what `cdk synth` does. */
const cdkJsonContext = (
  JSON.parse(readFileSync(fromRoot('cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

/** The stacks of a stage, not yet synthesized (tests may still add constructs); `-c` values in `context`. */
export function buildStacks(
  stage = 'dev',
  context: Record<string, string> = {},
): { app: App; stacks: ConduitStacks } {
  const app = new App({ context: { ...cdkJsonContext, ...context, stage } });
  return { app, stacks: buildConduit(app, { stage, functionCode: inlineCode }) };
}

export function synthesize(stage = 'dev', context: Record<string, string> = {}): Synthesized {
  const { app, stacks } = buildStacks(stage, context);
  return {
    app,
    stacks,
    data: Template.fromStack(stacks.data),
    search: Template.fromStack(stacks.search),
    application: Template.fromStack(stacks.application),
  };
}

/** Logical id of a construct's CloudFormation resource (its default child). */
export function logicalId(construct: { node: { defaultChild?: unknown } }): string {
  const resource = construct.node.defaultChild as Parameters<Stack['getLogicalId']>[0];
  return Stack.of(resource).resolve(Stack.of(resource).getLogicalId(resource)) as string;
}

type Json = unknown;

/** Every `Resource` (flattened to strings containing the referenced logical ids) of a policy. */
export function flatten(value: Json): string {
  return JSON.stringify(value);
}

export interface PolicyStatementJson {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: Json;
}

/** The statements of every AWS::IAM::Policy attached to a role (by the role's logical id). */
export function statementsOfRole(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) => flatten(policy.Properties.Roles).includes(`"${roleLogicalId}"`))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as PolicyStatementJson[]);
}

export const actionsOf = (statement: PolicyStatementJson): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOf = (statement: PolicyStatementJson): Json[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
