/**
 * How to read the ASL files of state-machines/: loading one, its `${...}` substitutions, walking its
 * states (Map and Parallel bodies too), the subset of the States Language and the Task resources the
 * project supports, and the exact IAM each Task needs. CDK (cdk/constructs/workflows.ts), the local
 * runner (local/workflows.ts), the tests and docs/flows.md all read the files through this module.
 */
import { readFileSync } from 'node:fs';
import { functionSubstitution, functions } from './functions.ts';
import { fromRoot } from './paths.ts';
import { type TableId, tableSubstitution, tables } from './tables.ts';
import { type WorkflowDefinition, workflowFile, workflowSubstitution, workflows } from './workflows.ts';

export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly Retry?: readonly unknown[];
  readonly Catch?: readonly unknown[];
  readonly Next?: string;
  readonly End?: boolean;
  readonly Branches?: readonly AslMachine[];
  readonly ItemProcessor?: AslMachine & { readonly ProcessorConfig?: { readonly Mode?: string } };
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
  /** The file parsed, its `${...}` variables not substituted. */
  readonly asl: AslMachine;
}

/** Reads and parses a workflow's ASL file (tests pass their own reader to load a made-up definition). */
export function loadWorkflow(
  definition: WorkflowDefinition,
  read: (file: string) => string = (file) => readFileSync(fromRoot(file), 'utf8'),
): LoadedWorkflow {
  const file = workflowFile(definition);
  const text = read(file);
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

// ---------------------------------------------------------------------------------------------
// Substitutions: `${UsersTable}`, `${IssueTokenFunctionArn}`, `${FanOutStateMachineArn}`

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

/** Replaces every `${...}` of the text by its value (what CloudFormation does with DefinitionSubstitutions). */
export function substitute(text: string, values: Readonly<Record<string, string>>, source: string): string {
  assertAllSubstituted(text, new Set(Object.keys(values)), source);
  return text.replace(PLACEHOLDER, (_match, name: string) => values[name] as string);
}

/** Where the resources a substitution names live, in one deployment (AWS) or runtime (local). */
export interface SubstitutionTargets {
  readonly tableName: (table: TableId) => string;
  readonly functionArn: (name: string) => string;
  readonly stateMachineArn: (name: string) => string;
}

/** The value of every substitution variable the registries define. */
export const substitutionValues = (targets: SubstitutionTargets): Record<string, string> => ({
  ...Object.fromEntries(tables.map((table) => [tableSubstitution(table.id), targets.tableName(table.id)])),
  ...Object.fromEntries(functions.map((fn) => [functionSubstitution(fn.name), targets.functionArn(fn.name)])),
  ...Object.fromEntries(
    workflows.map((workflow) => [
      workflowSubstitution(workflow.name),
      targets.stateMachineArn(workflow.name),
    ]),
  ),
});

const tableByVariable = new Map(tables.map((table) => [tableSubstitution(table.id), table.id]));
const functionByVariable = new Map(functions.map((fn) => [functionSubstitution(fn.name), fn.name]));
const workflowByVariable = new Map(
  workflows.map((workflow) => [workflowSubstitution(workflow.name), workflow.name]),
);

/** Every substitution variable the registries define. */
export const knownVariables = (): ReadonlySet<string> =>
  new Set([...tableByVariable.keys(), ...functionByVariable.keys(), ...workflowByVariable.keys()]);

// ---------------------------------------------------------------------------------------------
// The supported subset: Task resources and language features

/** What a Task resource is; the project's workflows use no other kind. */
export type TaskResource =
  /**
   * `arn:aws:states:::aws-sdk:dynamodb:<action>`, errors named `DynamoDb.<Name>Exception`. Not the
   * optimized `arn:aws:states:::dynamodb:` integration: no file needs it (and its errors are
   * `DynamoDB.*`, a second spelling for every Retry and the response template).
   */
  | { readonly kind: 'dynamodb'; readonly action: string }
  /** `arn:aws:states:::lambda:invoke`, FunctionName a `${<Name>FunctionArn}` substitution. */
  | { readonly kind: 'lambda' }
  /** `arn:aws:states:::states:startExecution`, StateMachineArn a `${<Name>StateMachineArn}` substitution. */
  | { readonly kind: 'startExecution' };

/** Classifies a Task resource; undefined for one the project does not support. */
export function taskResource(resource: string): TaskResource | undefined {
  const sdk = /^arn:aws:states:::aws-sdk:dynamodb:([a-z][A-Za-z]+)$/.exec(resource)?.[1];
  if (sdk) return { kind: 'dynamodb', action: sdk };
  if (resource === 'arn:aws:states:::lambda:invoke') return { kind: 'lambda' };
  if (resource === 'arn:aws:states:::states:startExecution') return { kind: 'startExecution' };
  return undefined;
}

/**
 * Fields of the States Language the project does not use: JSONata and variables (the local runner
 * ignores them), and the Distributed Map's reader, batcher and writer.
 */
const UNSUPPORTED_FIELDS = ['Arguments', 'Output', 'Assign', 'ItemReader', 'ItemBatcher', 'ResultWriter'];

/**
 * Throws for anything outside the supported subset: a JSONata or variables field, a Distributed
 * Map, a Task resource `taskResource` does not know, or a state name used twice (names identify
 * states in the console, in Retry/Catch records and to the local runner).
 */
export function assertSupported(machine: AslMachine, source: string): void {
  const jsonPathOnly = (language: unknown, where: string) => {
    if (language !== undefined && language !== 'JSONPath') {
      throw new Error(`${where} uses QueryLanguage ${String(language)}: JSONPath only`);
    }
  };
  jsonPathOnly(machine.QueryLanguage, source);
  const seen = new Set<string>();
  for (const { name, state } of allStates(machine)) {
    const where = `${source}: state "${name}"`;
    if (seen.has(name)) throw new Error(`${where}: state names must be unique within a file`);
    seen.add(name);
    jsonPathOnly(state.QueryLanguage, where);
    for (const field of UNSUPPORTED_FIELDS) {
      if (field in state) throw new Error(`${where} uses ${field}, which the project's workflows do not use`);
    }
    if (state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
      throw new Error(`${where} is a Distributed Map, which the local runner cannot run`);
    }
    if (state.Type === 'Task' && !taskResource(state.Resource ?? '')) {
      throw new Error(
        `${where}: unsupported resource "${state.Resource}" (supported: schemas/asl.ts taskResource)`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// IAM

/** What a Task needs to be allowed to do, in terms of the registries (not yet of ARNs). */
export type Requirement =
  | { readonly kind: 'dynamodb'; readonly table: TableId; readonly index?: string; readonly action: string }
  | { readonly kind: 'lambda'; readonly function: string }
  | { readonly kind: 'startExecution'; readonly workflow: string };

/** DynamoDB access a Task needs whose parameters are built at run time (cdk/dynamic-task-access.ts). */
export interface DynamicTableAccess {
  readonly table: TableId;
  /** IAM action names without the `dynamodb:` prefix. */
  readonly actions: readonly string[];
}

/** Declared access of a Task whose parameters are built at run time, looked up by Task state name. */
export type DynamicAccessLookup = (stateName: string) => readonly DynamicTableAccess[] | undefined;

/** Item operations of TransactWriteItems / TransactGetItems and the IAM action each needs. */
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
  Get: 'GetItem',
};

const upperFirst = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** IAM requirements of every Task of a workflow; throws when one cannot be scoped statically. */
export function requiredPermissions(
  machine: AslMachine,
  source: string,
  dynamicAccess: DynamicAccessLookup = () => undefined,
): Requirement[] {
  return taskStates(machine).flatMap(({ name, state }) => {
    const where = `${source}: Task "${name}"`;
    const resource = taskResource(state.Resource ?? '');
    const parameters = state.Parameters ?? {};
    if (resource?.kind === 'dynamodb') {
      const declared = dynamicAccess(name);
      if (!declared) return dynamoDbRequirements(resource.action, parameters, where);
      if (!Object.keys(parameters).some((key) => key.endsWith('.$'))) {
        throw new Error(
          `${where}: declared in cdk/dynamic-task-access.ts but has no run-time parameter; remove it`,
        );
      }
      return declared.flatMap(({ table, actions }) =>
        actions.map((action) => ({ kind: 'dynamodb' as const, table, action })),
      );
    }
    if (resource?.kind === 'lambda') {
      return [
        { kind: 'lambda', function: referenced(parameters, 'FunctionName', functionByVariable, where) },
      ];
    }
    if (resource?.kind === 'startExecution') {
      return [
        {
          kind: 'startExecution',
          workflow: referenced(parameters, 'StateMachineArn', workflowByVariable, where),
        },
      ];
    }
    throw new Error(
      `${where}: unsupported resource "${state.Resource}" (no IAM mapping; see schemas/asl.ts)`,
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
