/**
 * Runs the ASL files of state-machines/ with aws-local-stepfunctions. The files are read, checked and
 * substituted by schemas/asl.ts, as CDK reads them; what is here is the runner's own part. Every Task
 * resolves to local code: DynamoDB tasks to the AWS SDK against DynamoDB Local (raising the error
 * names Step Functions raises), Lambda tasks to the handler modules, startExecution to a local
 * execution. A definition that uses something the runner cannot execute faithfully fails when it is
 * loaded.
 */
import './polyfills.ts';
import { randomUUID } from 'node:crypto';
import * as dynamodb from '@aws-sdk/client-dynamodb';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { isConnectionFailure } from '../lambdas/shared/errors.ts';
import {
  type AslMachine,
  type AslState,
  allStates,
  assertSupported,
  loadWorkflow,
  substitute,
  substitutionValues,
  taskResource,
} from '../schemas/asl.ts';
import type { TableId } from '../schemas/tables.ts';
import { type WorkflowDefinition, workflows } from '../schemas/workflows.ts';
import { ExecutionHistory, type ExecutionRecord, type Trigger } from './execution-history.ts';
import { type Fault, type FaultInjector, LambdaInvocationError, taskScope } from './faults.ts';
import type { LocalLambdas } from './lambdas.ts';
import { localFunctionArn } from './lambdas.ts';

/** An event of an execution's log (the package does not export the type). */
type EventLog =
  ReturnType<StateMachine['run']>['eventLogs'] extends AsyncIterable<infer Event> ? Event : never;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** The execution a Task runs in: startExecution tasks add the executions they start to its tree. */
interface Caller {
  readonly executionName: string;
  readonly tree?: ExecutionTree;
}
type TaskHandler = (input: Json, caller: Caller) => Promise<Json>;

export const localStateMachineArn = (name: string): string =>
  `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;

/** What StartSyncExecution answers (the fields the response template reads). */
export interface SyncExecutionResult {
  readonly executionArn: string;
  readonly name: string;
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

/** An execution of a tree that did not succeed. */
export interface ExecutionFailure {
  readonly workflow: string;
  readonly executionArn: string;
  readonly error: string;
  readonly cause: string;
}

/** How an execution tree ended: its root's ARN and every execution of it that failed. */
export interface ExecutionTreeResult {
  readonly executionArn: string;
  readonly failures: readonly ExecutionFailure[];
}

/**
 * An execution and every execution started from it through states:startExecution, transitively
 * (a fan-out continues page after page in new executions): it ends when the last of them ends.
 */
class ExecutionTree {
  private running = 0;
  readonly failures: ExecutionFailure[] = [];
  private end: () => void = () => undefined;
  readonly ended = new Promise<void>((resolve) => {
    this.end = resolve;
  });

  enter(): void {
    this.running++;
  }

  leave(failure: ExecutionFailure | undefined): void {
    if (failure) this.failures.push(failure);
    if (--this.running === 0) this.end();
  }
}

export interface WorkflowsDependencies {
  readonly dynamoDb: dynamodb.DynamoDBClient;
  readonly tableNames: Record<TableId, string>;
  readonly lambdas: LocalLambdas;
  /** Called for every execution that ends, with its duration; the runtime logs failures. */
  readonly onExecutionEnd?: (result: SyncExecutionResult, workflow: string, ms: number) => void;
  /** The faults Step Functions' own calls meet (StartExecution); DynamoDB and Lambda bring theirs. */
  readonly faults?: FaultInjector;
}

/** A Retry or Catch clause of a state: `Retry` index 0 is the state's first retrier. */
export interface Clause {
  readonly workflow: string;
  readonly state: string;
  readonly field: 'Retry' | 'Catch';
  readonly index: number;
}

/** An error a state met and the clause that handled it (retried it, or caught it). */
export interface HandledError extends Clause {
  readonly executionArn: string;
  readonly error: string;
}

export const clauseKey = (clause: Clause): string =>
  `${clause.workflow} / ${clause.state} / ${clause.field}[${clause.index}]`;

const MAX_HANDLED_RECORDS = 1000;

/** The `${...}` values of the local runtime: its table names, local function and state machine ARNs. */
const localSubstitutions = (tableNames: Record<TableId, string>): Record<string, string> =>
  substitutionValues({
    tableName: (table) => tableNames[table],
    functionArn: localFunctionArn,
    stateMachineArn: localStateMachineArn,
  });

/** Whether any Choice rule, nested in And/Or/Not at any depth, tests `IsPresent: false`. */
function usesIsPresentFalse(rules: unknown): boolean {
  if (Array.isArray(rules)) return rules.some(usesIsPresentFalse);
  if (!rules || typeof rules !== 'object') return false;
  const rule = rules as Record<string, unknown>;
  return rule.IsPresent === false || [rule.And, rule.Or, rule.Not].some(usesIsPresentFalse);
}

const pascal = (action: string): string => action.charAt(0).toUpperCase() + action.slice(1);

/**
 * A value as it comes out of a JSON round-trip, which is how anything crosses a service boundary in
 * AWS: undefined keys vanish, Dates become strings, and the receiver shares no object with the sender.
 * A bare undefined (a handler that returns nothing) is null, the payload Lambda then answers.
 */
const overTheWire = (value: unknown): Json =>
  value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json);

function stripMetadata(response: object): Json {
  const { $metadata: _metadata, ...rest } = response as Record<string, unknown>;
  return overTheWire(rest);
}

function namedError(name: string, cause: string): Error {
  const error = new Error(cause);
  error.name = name;
  return error;
}

/**
 * The error a states:startExecution task raises when Step Functions refuses the call. A throttle is
 * not a modelled exception of the StartExecution API, so the integration reports it under the SDK's
 * generic exception class, with the error code in the cause (assumed: see docs/local-runtime.md).
 */
function stepFunctionsTaskError(fault: Fault): Error {
  const modelled = fault.error === 'ExecutionLimitExceeded';
  return namedError(
    `StepFunctions.${modelled ? 'ExecutionLimitExceededException' : 'AWSStepFunctionsException'}`,
    `${fault.message} (Service: AWSStepFunctions; Status Code: ${fault.status}; Error Code: ${fault.error}; Request ID: ${randomUUID()}; Proxy: null)`,
  );
}

/**
 * The error Step Functions raises for a failed `aws-sdk:dynamodb` call. Step Functions names it
 * after the exception class, which always ends in "Exception" (InternalServerError →
 * InternalServerErrorException). Locally an outage is a refused or broken connection; in AWS a
 * failing service answers 500 InternalServerError, which is what the Retry clauses retry.
 */
export function dynamoDbTaskError(error: unknown): Error {
  const sdkError = (
    isConnectionFailure(error)
      ? new dynamodb.InternalServerError({
          message: (error as Error).message,
          $metadata: { httpStatusCode: 500 },
        })
      : error
  ) as dynamodb.DynamoDBServiceException;
  const modelled = typeof (dynamodb as Record<string, unknown>)[sdkError.name] === 'function';
  const exception = sdkError.name.endsWith('Exception') ? sdkError.name : `${sdkError.name}Exception`;
  const status = sdkError.$metadata?.httpStatusCode ?? 400;
  const requestId = sdkError.$metadata?.requestId ?? randomUUID();
  const message = sdkError.message ?? String(error);
  return namedError(
    `DynamoDb.${modelled ? exception : 'DynamoDbException'}`,
    `${message} (Service: DynamoDb, Status Code: ${status}, Request ID: ${requestId})`,
  );
}

export class LocalWorkflows {
  private readonly machines = new Map<string, { definition: WorkflowDefinition; machine: StateMachine }>();
  private readonly handlersByWorkflow = new Map<string, Record<string, TaskHandler>>();
  private readonly running = new Set<Promise<unknown>>();
  private readonly statesByWorkflow = new Map<string, ReadonlyMap<string, AslState>>();
  private readonly handledRecent: HandledError[] = [];
  private readonly handledCounts = new Map<string, number>();
  /** The recent executions, for the execution viewer (local/execution-viewer.ts). */
  readonly executions = new ExecutionHistory();

  /**
   * Loads every workflow of the registry (tests pass their own registry and reader to check that
   * a definition the runner cannot execute is refused).
   */
  constructor(
    private readonly deps: WorkflowsDependencies,
    registry: readonly WorkflowDefinition[] = workflows,
    readDefinition?: (file: string) => string,
  ) {
    const substitutions = localSubstitutions(deps.tableNames);
    for (const workflow of registry) {
      const { file, text, asl } = loadWorkflow(workflow, readDefinition);
      assertSupported(asl, file);
      const definition = JSON.parse(substitute(text, substitutions, file)) as AslMachine;
      this.handlersByWorkflow.set(workflow.name, this.taskHandlers(definition, file));
      this.statesByWorkflow.set(
        workflow.name,
        new Map(allStates(definition).map(({ name, state }) => [name, state])),
      );
      this.machines.set(workflow.name, {
        definition: workflow,
        machine: new StateMachine(definition as unknown as StateMachineDefinition, {
          validationOptions: { checkArn: false },
        }),
      });
    }
  }

  /** Local code for every Task; refuses what aws-local-stepfunctions 3.0.0 runs unlike AWS. */
  private taskHandlers(definition: AslMachine, file: string): Record<string, TaskHandler> {
    const handlers: Record<string, TaskHandler> = {};
    for (const { name, state } of allStates(definition)) {
      const where = `${file}: state "${name}"`;
      if (state.ResultPath === '$') {
        // aws-local-stepfunctions 3.0.0 stores the result under a key named "$" instead of
        // replacing the state; leaving ResultPath out means the same in AWS and works here.
        throw new Error(`${where} sets "ResultPath": "$", which the local runner mishandles: leave it out`);
      }
      if (usesIsPresentFalse(state.Choices)) {
        // aws-local-stepfunctions 3.0.0 treats `IsPresent: false` on a missing path as no match;
        // AWS matches it. `Not` of `IsPresent: true` means the same and runs alike on both.
        throw new Error(`${where} uses "IsPresent": false, which the local runner gets wrong: use Not`);
      }
      if (state.Type === 'Task') handlers[name] = this.resolveResource(state, where);
    }
    return handlers;
  }

  private resolveResource(state: AslState, where: string): TaskHandler {
    const resource = taskResource(state.Resource ?? '');
    if (resource?.kind === 'dynamodb') {
      const Command = (dynamodb as Record<string, unknown>)[`${pascal(resource.action)}Command`] as
        | (new (
            input: unknown,
          ) => dynamodb.GetItemCommand)
        | undefined;
      if (!Command) throw new Error(`${where}: unknown DynamoDB action ${resource.action}`);
      return async (input) => {
        try {
          return stripMetadata(await this.deps.dynamoDb.send(new Command(input)));
        } catch (error) {
          throw dynamoDbTaskError(error);
        }
      };
    }
    if (resource?.kind === 'lambda') {
      const functionName =
        String(state.Parameters?.FunctionName ?? '')
          .split(':')
          .pop() ?? '';
      if (!this.deps.lambdas.has(functionName)) throw new Error(`${where}: no function ${functionName}`);
      return async (input) => {
        const { Payload } = input as { Payload?: Json };
        try {
          const result = await this.deps.lambdas.invoke(functionName, overTheWire(Payload ?? {}));
          return { ExecutedVersion: '$LATEST', StatusCode: 200, Payload: overTheWire(result) };
        } catch (error) {
          if (error instanceof LambdaInvocationError) throw error;
          const failure = error as Error;
          throw namedError(
            failure.name || 'Error',
            JSON.stringify({ errorType: failure.name, errorMessage: failure.message, trace: [] }),
          );
        }
      };
    }
    // states:startExecution, the one kind left (assertSupported refused any other resource).
    return async (input, caller) => {
      const { StateMachineArn, Input } = input as { StateMachineArn: string; Input?: Json };
      const name = StateMachineArn.split(':').pop() ?? '';
      const fault = this.deps.faults?.pick({ service: 'states', action: 'StartExecution' });
      if (fault) throw stepFunctionsTaskError(fault);
      const payload = typeof Input === 'string' ? (JSON.parse(Input) as Json) : overTheWire(Input ?? {});
      const executionArn = this.start(name, payload, undefined, caller.tree, {
        kind: 'execution',
        parent: caller.executionName,
      });
      return { ExecutionArn: executionArn, StartDate: new Date().toISOString() };
    };
  }

  /**
   * StartSyncExecution: runs to the end and answers as AWS does (FAILED is an answer, not a throw).
   * `trigger` says what started it, for the execution viewer (a stream batch is recognised by its input).
   */
  async startSync(
    workflowName: string,
    input: Json,
    executionName: string = randomUUID(),
    { tree, trigger }: { tree?: ExecutionTree; trigger?: Trigger } = {},
  ): Promise<SyncExecutionResult> {
    const entry = this.machines.get(workflowName);
    if (!entry) throw new Error(`No workflow "${workflowName}"`);
    const executionArn = `arn:aws:states:us-east-1:000000000000:${entry.definition.type === 'EXPRESS' ? 'express' : 'execution'}:${workflowName}:${executionName}`;
    const started = Date.now();
    const record = this.executions.begin({
      name: executionName,
      executionArn,
      workflow: workflowName,
      type: entry.definition.type,
      input,
      trigger,
    });
    const handlers = Object.entries(this.handlersByWorkflow.get(workflowName) ?? {});
    const execution = entry.machine.run(input, {
      overrides: {
        taskResourceLocalHandlers: Object.fromEntries(
          handlers.map(([state, handler]) => [
            state,
            (taskInput: Json) =>
              taskScope.run({ workflow: workflowName, state }, () =>
                handler(taskInput, { executionName, tree }),
              ),
          ]),
        ),
      },
      context: { Execution: { Id: executionArn, Name: executionName } },
    });
    const recorded = this.recordEvents(workflowName, record, execution.eventLogs);
    let result: SyncExecutionResult;
    try {
      const output = await execution.result;
      result = { executionArn, name: executionName, status: 'SUCCEEDED', output: JSON.stringify(output) };
    } catch (error) {
      if (!(error instanceof ExecutionError)) throw error;
      const failure = error.cause as Error;
      result = {
        executionArn,
        name: executionName,
        status: 'FAILED',
        error: failure.name,
        cause: typeof failure.message === 'string' ? failure.message : JSON.stringify(failure.message),
      };
    }
    await recorded;
    this.executions.end(record, result);
    this.deps.onExecutionEnd?.(result, workflowName, Date.now() - started);
    return result;
  }

  /**
   * Records an execution's events: its states in the execution history, and each error a state met
   * with the Retry or Catch clause that handled it (found by its position in the state's definition).
   */
  private async recordEvents(
    workflow: string,
    execution: ExecutionRecord,
    events: AsyncIterable<EventLog>,
  ): Promise<void> {
    const { executionArn } = execution;
    const states = this.statesByWorkflow.get(workflow);
    const lastError = new Map<string, string>();
    for await (const event of events) {
      this.executions.record(execution, event);
      const where = `${event.type === 'StateFailed' || event.type === 'StateRetried' || event.type === 'StateCaught' ? event.state.name : ''}#${'index' in event ? event.index : ''}`;
      if (event.type === 'StateFailed') lastError.set(where, event.Error);
      if (event.type !== 'StateRetried' && event.type !== 'StateCaught') continue;
      const field = event.type === 'StateRetried' ? 'Retry' : 'Catch';
      const clause = event.type === 'StateRetried' ? event.retry.retrier : event.catch.catcher;
      const clauses = (states?.get(event.state.name)?.[field] ?? []) as unknown[];
      const index = clauses.findIndex((candidate) => JSON.stringify(candidate) === JSON.stringify(clause));
      const handled: HandledError = {
        workflow,
        executionArn,
        state: event.state.name,
        field,
        index,
        error: lastError.get(where) ?? '',
      };
      const key = clauseKey(handled);
      this.handledCounts.set(key, (this.handledCounts.get(key) ?? 0) + 1);
      this.handledRecent.push(handled);
      if (this.handledRecent.length > MAX_HANDLED_RECORDS) this.handledRecent.shift();
    }
  }

  /**
   * The errors Retry and Catch clauses handled: how often each clause did (by `clauseKey`), since the
   * runner started, and the last thousand errors with their clause.
   */
  handledErrors(): {
    readonly byClause: ReadonlyMap<string, number>;
    readonly recent: readonly HandledError[];
  } {
    return { byClause: new Map(this.handledCounts), recent: [...this.handledRecent] };
  }

  /**
   * StartExecution: runs in the background, in the tree of the execution that started it (a new
   * tree by default); `idle()` waits for every such execution.
   */
  start(
    workflowName: string,
    input: Json,
    executionName: string = randomUUID(),
    tree: ExecutionTree = new ExecutionTree(),
    trigger?: Trigger,
  ): string {
    const executionArn = `arn:aws:states:us-east-1:000000000000:execution:${workflowName}:${executionName}`;
    const failure = (error: string, cause: string) => ({
      workflow: workflowName,
      executionArn,
      error,
      cause,
    });
    tree.enter();
    const run = this.startSync(workflowName, input, executionName, { tree, trigger })
      .then(
        (result) =>
          tree.leave(
            result.status === 'SUCCEEDED' ? undefined : failure(result.error ?? '', result.cause ?? ''),
          ),
        (error: Error) => tree.leave(failure(error.name, error.message)),
      )
      .finally(() => this.running.delete(run));
    this.running.add(run);
    return executionArn;
  }

  /**
   * StartExecution, then waits for that execution and every execution it starts, transitively;
   * the result lists the ones that failed.
   */
  async startTree(workflowName: string, input: Json): Promise<ExecutionTreeResult> {
    const tree = new ExecutionTree();
    const executionArn = this.start(workflowName, input, undefined, tree);
    await tree.ended;
    return { executionArn, failures: tree.failures };
  }

  /** Resolves when no background execution is running (including ones they started). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }
}
