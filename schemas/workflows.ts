/**
 * Every workflow: one entry per ASL file in state-machines/, read by CDK and the local runtime.
 *
 * carriesSecrets: its execution input holds a password, so its logs never include execution data.
 */
import { pascalCase } from './naming.ts';
export type WorkflowType = 'EXPRESS' | 'STANDARD';

export interface WorkflowDefinition {
  readonly name: string;
  readonly type: WorkflowType;
  readonly carriesSecrets: boolean;
}

export const workflows: readonly WorkflowDefinition[] = [
  { name: 'register-user', type: 'EXPRESS', carriesSecrets: true },
  { name: 'update-user', type: 'EXPRESS', carriesSecrets: true },
  { name: 'create-article', type: 'EXPRESS', carriesSecrets: false },
  { name: 'update-article', type: 'EXPRESS', carriesSecrets: false },
  { name: 'delete-article', type: 'EXPRESS', carriesSecrets: false },
  { name: 'favorite-article', type: 'EXPRESS', carriesSecrets: false },
  { name: 'unfavorite-article', type: 'EXPRESS', carriesSecrets: false },
  { name: 'follow-user', type: 'EXPRESS', carriesSecrets: false },
  { name: 'unfollow-user', type: 'EXPRESS', carriesSecrets: false },
  { name: 'add-comment', type: 'EXPRESS', carriesSecrets: false },
  { name: 'delete-comment', type: 'EXPRESS', carriesSecrets: false },
  { name: 'article-events', type: 'STANDARD', carriesSecrets: false },
  { name: 'relation-events', type: 'STANDARD', carriesSecrets: false },
  { name: 'fan-out', type: 'STANDARD', carriesSecrets: false },
];

/**
 * Business metrics of steps no Lambda runs, each the number of times a state is entered: CDK counts
 * them from the workflow's execution logs with a metric filter (the Lambdas publish theirs as EMF,
 * lambdas/shared/observability.ts), into the same namespace.
 */
export const stateMetrics: readonly { workflow: string; state: string; metric: string }[] = [
  // A batch of feed writes BatchWriteItem left partly unprocessed (throttling), written again.
  { workflow: 'fan-out', state: 'Retry only the unprocessed items', metric: 'FanOutBatchesRetried' },
];

/** Path of a workflow's ASL file, relative to the repository root. */
export const workflowFile = (workflow: WorkflowDefinition): string =>
  `state-machines/${workflow.type === 'EXPRESS' ? 'express' : 'standard'}/${workflow.name}.asl.json`;

/** ASL substitution variable for a workflow's ARN, e.g. ${ArticleEventsStateMachineArn}. */
export const workflowSubstitution = (name: string): string => `${pascalCase(name)}StateMachineArn`;

export function findWorkflow(name: string): WorkflowDefinition {
  const found = workflows.find((workflow) => workflow.name === name);
  if (!found) throw new Error(`Unknown workflow "${name}" (schemas/workflows.ts)`);
  return found;
}
