/**
 * Reading the ASL files as data: their `${...}` substitution variables, every Task state (inside
 * Map and Parallel bodies too), and the exact IAM each Task needs. Pure functions, no CDK: the
 * workflows construct turns the requirements into policy statements and the tests reuse them.
 */
import { readFileSync } from 'node:fs';
import { functionSubstitution, functions } from '../schemas/functions.ts';
import { fromRoot } from '../schemas/paths.ts';
import { type TableId, tableSubstitution, tables } from '../schemas/tables.ts';
import {
  type WorkflowDefinition,
  workflowFile,
  workflowSubstitution,
  workflows,
} from '../schemas/workflows.ts';
import type { DynamicTableAccess } from './dynamic-task-access.ts';

export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly Retry?: readonly unknown[];
  readonly Catch?: readonly unknown[];
  readonly Next?: string;
  readonly End?: boolean;
  readonly Branches?: readonly AslMachine[];
  readonly ItemProcessor?: AslMachine;
  readonly Iterator?: AslMachine;
  readonly [key: string]: unknown;
}

export interface AslMachine {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly [key: string]: unknown;
}

export interface LoadedWorkflow {
  readonly definition: WorkflowDefinition;
  /** Repository-relative path of the ASL file. */
  readonly file: string;
  /** The file's text, unchanged: this is what becomes the state machine definition. */
  readonly text: string;
  readonly asl: AslMachine;
}

export function loadWorkflow(definition: WorkflowDefinition): LoadedWorkflow {
  const file = workflowFile(definition);
  const text = readFileSync(fromRoot(file), 'utf8');
  let asl: AslMachine;
  try {
    asl = JSON.parse(text) as AslMachine;
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return { definition, file, text, asl };
}

export interface VisitedState {
  readonly name: string;
  /** Enclosing Map/Parallel states, outermost first. */
  readonly within: readonly string[];
  readonly state: AslState;
}

/** Every state of a machine, including those of Map iterators and Parallel branches. */
export function allStates(machine: AslMachine, within: readonly string[] = []): VisitedState[] {
  return Object.entries(machine.States).flatMap(([name, state]) => {
    const nested = [...(state.Branches ?? []), state.ItemProcessor, state.Iterator].filter(
      (inner): inner is AslMachine => inner !== undefined,
    );
    return [{ name, within, state }, ...nested.flatMap((inner) => allStates(inner, [...within, name]))];
  });
}

export const taskStates = (machine: AslMachine): VisitedState[] =>
  allStates(machine).filter((visited) => visited.state.Type === 'Task');

const PLACEHOLDER = /\$\{([^}]*)\}/g;

/** The `${...}` variables a text uses, in order of first appearance. */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1] ?? ''))];
}

/** Throws for any `${...}` in the text that has no value: an unset variable would deploy verbatim. */
export function assertAllSubstituted(text: string, available: ReadonlySet<string>, source: string): void {
  const missing = placeholders(text).filter((name) => !available.has(name));
  if (missing.length > 0) {
    throw new Error(
      `${source} uses ${missing.map((name) => `\${${name}}`).join(', ')} with no value: ` +
        'known are table names (schemas/tables.ts), function ARNs (schemas/functions.ts) and ' +
        'state machine ARNs (schemas/workflows.ts)',
    );
  }
}

/** What a Task needs to be allowed to do, in terms of the registries (not yet of ARNs). */
export type Requirement =
  | { readonly kind: 'dynamodb'; readonly table: TableId; readonly index?: string; readonly action: string }
  | { readonly kind: 'lambda'; readonly function: string }
  | { readonly kind: 'startExecution'; readonly workflow: string };

const tableByVariable = new Map(tables.map((table) => [tableSubstitution(table.id), table.id]));
const functionByVariable = new Map(functions.map((fn) => [functionSubstitution(fn.name), fn.name]));
const workflowByVariable = new Map(
  workflows.map((workflow) => [workflowSubstitution(workflow.name), workflow.name]),
);

/** Every substitution variable the registries define. */
export const knownVariables = (): ReadonlySet<string> =>
  new Set([...tableByVariable.keys(), ...functionByVariable.keys(), ...workflowByVariable.keys()]);

const DYNAMODB_SDK = 'arn:aws:states:::aws-sdk:dynamodb:';
const DYNAMODB_OPTIMIZED = 'arn:aws:states:::dynamodb:';
const LAMBDA_INVOKE = /^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/;
const START_EXECUTION = 'arn:aws:states:::states:startExecution';

/** Item operations of TransactWriteItems / TransactGetItems and the IAM action each needs. */
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

const upperFirst = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Declared IAM for a Task whose parameters are built at run time (see cdk/dynamic-task-access.ts),
 * looked up by Task state name.
 */
export type DynamicAccessLookup = (stateName: string) => readonly DynamicTableAccess[] | undefined;

/** IAM requirements of every Task of a workflow; throws when one cannot be scoped statically. */
export function requiredPermissions(
  machine: AslMachine,
  source: string,
  dynamicAccess: DynamicAccessLookup = () => undefined,
): Requirement[] {
  return taskStates(machine).flatMap(({ name, state }) => {
    const where = `${source}: Task "${name}"`;
    const resource = state.Resource ?? '';
    const parameters = state.Parameters ?? {};
    const dynamicKeys = Object.keys(parameters).filter((key) => key.endsWith('.$'));
    const declared = dynamicAccess(name);
    if (declared && (resource.startsWith(DYNAMODB_SDK) || resource.startsWith(DYNAMODB_OPTIMIZED))) {
      if (dynamicKeys.length === 0) {
        throw new Error(
          `${where}: declared in cdk/dynamic-task-access.ts but has no run-time parameter; remove it`,
        );
      }
      return declared.flatMap(({ table, actions }) =>
        actions.map((action) => ({ kind: 'dynamodb' as const, table, action })),
      );
    }
    if (resource.startsWith(DYNAMODB_SDK) || resource.startsWith(DYNAMODB_OPTIMIZED)) {
      const action = resource.slice(resource.lastIndexOf(':') + 1);
      return dynamoDbRequirements(action, parameters, where);
    }
    if (LAMBDA_INVOKE.test(resource)) {
      return [
        { kind: 'lambda', function: referenced(parameters, 'FunctionName', functionByVariable, where) },
      ];
    }
    if (resource === START_EXECUTION) {
      return [
        {
          kind: 'startExecution',
          workflow: referenced(parameters, 'StateMachineArn', workflowByVariable, where),
        },
      ];
    }
    throw new Error(
      `${where}: unsupported resource "${resource}" (no IAM mapping; see state-machines/README.md)`,
    );
  });
}

function dynamoDbRequirements(
  action: string,
  parameters: Record<string, unknown>,
  where: string,
): Requirement[] {
  if (action === 'transactWriteItems' || action === 'transactGetItems') {
    const items = parameters.TransactItems;
    if (!Array.isArray(items)) {
      throw new Error(
        `${where}: TransactItems is built at run time, so its tables are not in the file; declare them in cdk/dynamic-task-access.ts`,
      );
    }
    return items.flatMap((item: Record<string, unknown>) =>
      Object.entries(item).map(([operation, body]) => {
        const itemAction = TRANSACT_ACTIONS[operation];
        if (!itemAction) throw new Error(`${where}: unknown TransactItems operation "${operation}"`);
        const table = referenced(body as Record<string, unknown>, 'TableName', tableByVariable, where);
        return { kind: 'dynamodb' as const, table, action: itemAction };
      }),
    );
  }
  if (action === 'batchWriteItem' || action === 'batchGetItem') {
    const requestItems = parameters.RequestItems;
    if (typeof requestItems !== 'object' || requestItems === null) {
      throw new Error(`${where}: RequestItems must be an object keyed by \${<Table>Table}`);
    }
    return Object.keys(requestItems).map((key) => ({
      kind: 'dynamodb' as const,
      table: variableTarget(key.replace(/\.\$$/, ''), tableByVariable, `${where} RequestItems`),
      action: upperFirst(action),
    }));
  }
  const table = referenced(parameters, 'TableName', tableByVariable, where);
  if ('IndexName.$' in parameters) throw new Error(`${where}: IndexName must be a literal`);
  const index = typeof parameters.IndexName === 'string' ? parameters.IndexName : undefined;
  return [{ kind: 'dynamodb', table, action: upperFirst(action), ...(index ? { index } : {}) }];
}

/** The registry entry a parameter names through its `${...}` variable (e.g. TableName: "${UsersTable}"). */
function referenced<T>(
  parameters: Record<string, unknown>,
  key: string,
  byVariable: ReadonlyMap<string, T>,
  where: string,
): T {
  const value = parameters[key];
  if (typeof value !== 'string') {
    throw new Error(
      `${where}: ${key} must be a literal \${...} substitution (a path cannot be scoped in IAM)`,
    );
  }
  return variableTarget(value, byVariable, `${where} ${key}`);
}

function variableTarget<T>(value: string, byVariable: ReadonlyMap<string, T>, where: string): T {
  const variable = /^\$\{([^}]+)\}$/.exec(value)?.[1];
  const target = variable === undefined ? undefined : byVariable.get(variable);
  if (target === undefined) {
    throw new Error(`${where}: "${value}" is not a known \${...} substitution for this parameter`);
  }
  return target;
}
