/**
 * Counts, in a running local runtime, what each request costs in AWS terms: DynamoDB calls and the
 * capacity units DynamoDB reports for them (ReturnConsumedCapacity), search calls, Lambda
 * invocations, workflow executions and their state transitions, and how many of the request's
 * DynamoDB/search calls had to wait for another (its dependent round trips). Deterministic: it
 * counts, it does not time. Work done by STANDARD workflows (the stream's events) is kept apart from
 * the request's own path. Requests must be made one at a time for the figures to be theirs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { StateMachine } from 'aws-local-stepfunctions';
import type { ArticleSearch } from '../../lambdas/shared/search/article-search.ts';
import { articleSearch } from '../../lambdas/shared/search/configured.ts';
import { taskScope } from '../../local/faults.ts';
import { LocalLambdas } from '../../local/lambdas.ts';
import type { Runtime } from '../../local/runtime.ts';
import { findWorkflow } from '../../schemas/workflows.ts';

/** What one phase (the request's path, or the events it causes) used. */
export interface Usage {
  dynamoDbCalls: number;
  readonly dynamoDbByOperation: Record<string, number>;
  readUnits: number;
  writeUnits: number;
  /** Items DynamoDB read: found by GetItem/BatchGetItem, evaluated by Query/Scan (ScannedCount). */
  itemsRead: number;
  searchCalls: number;
  /** Per function: invocations, and DynamoDB/search calls made inside them (for the duration estimate). */
  readonly lambdas: Record<string, { invocations: number; calls: number }>;
  readonly executions: Record<string, { executions: number; transitions: number }>;
  /** DynamoDB/search calls that started while none of the phase's others was in flight. */
  dependentRoundTrips: number;
}

export interface Counted {
  readonly request: Usage;
  readonly events: Usage;
}

const emptyUsage = (): Usage => ({
  dynamoDbCalls: 0,
  dynamoDbByOperation: {},
  readUnits: 0,
  writeUnits: 0,
  itemsRead: 0,
  searchCalls: 0,
  lambdas: {},
  executions: {},
  dependentRoundTrips: 0,
});

/** lib-dynamodb's command names → the DynamoDB operations they call. */
const OPERATIONS: Readonly<Record<string, string>> = {
  Get: 'GetItem',
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  BatchGet: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  TransactGet: 'TransactGetItems',
  TransactWrite: 'TransactWriteItems',
};

/** Operations that accept ReturnConsumedCapacity. */
const CAPACITY_OPERATIONS = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);
const READ_OPERATIONS = new Set(['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems']);

interface ConsumedCapacity {
  readonly CapacityUnits?: number;
  readonly ReadCapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
}

function itemsRead(
  operation: string,
  output: { Item?: unknown; ScannedCount?: number; Responses?: Record<string, unknown[]> | unknown[] },
): number {
  switch (operation) {
    case 'GetItem':
      return output.Item ? 1 : 0;
    case 'Query':
    case 'Scan':
      return output.ScannedCount ?? 0;
    case 'TransactGetItems':
      return Array.isArray(output.Responses) ? output.Responses.length : 0;
    case 'BatchGetItem':
      return Array.isArray(output.Responses)
        ? 0
        : Object.values(output.Responses ?? {}).reduce((sum, items) => sum + items.length, 0);
    default:
      return 0;
  }
}

/** The Lambda invocation a call is made in. */
const invocation = new AsyncLocalStorage<string>();

export class Counters {
  private usage: Counted = { request: emptyUsage(), events: emptyUsage() };
  private readonly inFlight = { request: 0, events: 0 };
  private readonly restore: (() => void)[] = [];

  private constructor() {}

  /** Instruments the runtime's clients, the search index, the Lambdas and the workflow runner. */
  static async install(runtime: Runtime): Promise<Counters> {
    const counters = new Counters();
    counters.countDynamoDb(runtime.dynamoDb);
    counters.countDynamoDb((await import('../../lambdas/shared/clients.ts')).dynamoDb);
    counters.countSearch(await articleSearch());
    counters.countLambdas();
    counters.countExecutions();
    return counters;
  }

  /** The counts since the last reset, and a fresh start. */
  take(): Counted {
    const taken = this.usage;
    this.usage = { request: emptyUsage(), events: emptyUsage() };
    return taken;
  }

  uninstall(): void {
    for (const undo of this.restore.splice(0).reverse()) undo();
  }

  /** Calls made by a STANDARD workflow's task (or a Lambda it invoked) are the events' work. */
  private phase(): keyof Counted {
    const scope = taskScope.getStore();
    return scope && findWorkflow(scope.workflow).type === 'STANDARD' ? 'events' : 'request';
  }

  /** Counts a DynamoDB or search call: its round trip, and the Lambda it is made in. */
  private async call<T>(work: () => Promise<T>): Promise<{ result: T; usage: Usage }> {
    const phase = this.phase();
    const usage = this.usage[phase];
    if (this.inFlight[phase] === 0) usage.dependentRoundTrips++;
    const fn = invocation.getStore();
    if (fn) {
      const entry = usage.lambdas[fn];
      if (entry) entry.calls++;
    }
    this.inFlight[phase]++;
    try {
      return { result: await work(), usage };
    } finally {
      this.inFlight[phase]--;
    }
  }

  private countDynamoDb(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = (context.commandName ?? '').replace(/Command$/, '');
        const operation = OPERATIONS[name] ?? name;
        const input = args.input as { ReturnConsumedCapacity?: string };
        const asked = CAPACITY_OPERATIONS.has(operation) && input.ReturnConsumedCapacity === undefined;
        if (asked) input.ReturnConsumedCapacity = 'TOTAL';
        const counted = (usage: Usage) => {
          usage.dynamoDbCalls++;
          usage.dynamoDbByOperation[operation] = (usage.dynamoDbByOperation[operation] ?? 0) + 1;
        };
        let answered: Awaited<ReturnType<typeof next>>;
        let usage: Usage;
        try {
          ({ result: answered, usage } = await this.call(() => next(args)));
        } catch (error) {
          // Refused calls count too. A single-item write whose condition failed consumed capacity all
          // the same, and answers none: one unit, the size of every item these writes touch.
          const refused = this.usage[this.phase()];
          counted(refused);
          if ((error as Error).name === 'ConditionalCheckFailedException') refused.writeUnits += 1;
          throw error;
        }
        const result = answered;
        counted(usage);
        const output = result.output as {
          ConsumedCapacity?: ConsumedCapacity | ConsumedCapacity[];
          Item?: unknown;
          ScannedCount?: number;
          Responses?: Record<string, unknown[]> | unknown[];
        };
        usage.itemsRead += itemsRead(operation, output);
        for (const consumed of [output.ConsumedCapacity ?? []].flat()) {
          const units = consumed.CapacityUnits ?? 0;
          const reads = consumed.ReadCapacityUnits ?? (READ_OPERATIONS.has(operation) ? units : 0);
          const writes = consumed.WriteCapacityUnits ?? (READ_OPERATIONS.has(operation) ? 0 : units);
          usage.readUnits += reads;
          usage.writeUnits += writes;
        }
        // The caller asked for no capacity: it gets the answer it would have had.
        if (asked) delete output.ConsumedCapacity;
        return result;
      },
      { step: 'initialize', name: 'benchCounters', priority: 'high' },
    );
    this.restore.push(() => client.middlewareStack.remove('benchCounters'));
  }

  private countSearch(search: ArticleSearch): void {
    const actions = ['upsert', 'remove', 'list', 'tags'] as const;
    const methods = search as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const action of actions) {
      const original = methods[action];
      if (!original) continue;
      methods[action] = async (...args: unknown[]) => {
        const { result, usage } = await this.call(() => original.apply(search, args));
        usage.searchCalls++;
        return result;
      };
      this.restore.push(() => {
        methods[action] = original;
      });
    }
  }

  private countLambdas(): void {
    const original = LocalLambdas.prototype.invoke;
    const counters = this;
    LocalLambdas.prototype.invoke = function (this: LocalLambdas, name: string, event: unknown) {
      const usage = counters.usage[counters.phase()];
      const entry = usage.lambdas[name] ?? { invocations: 0, calls: 0 };
      entry.invocations++;
      usage.lambdas[name] = entry;
      return invocation.run(name, () => original.call(this, name, event));
    };
    this.restore.push(() => {
      LocalLambdas.prototype.invoke = original;
    });
  }

  /** Executions and their state transitions (each state entered or retried), from the event log. */
  private countExecutions(): void {
    const original = StateMachine.prototype.run;
    const counters = this;
    StateMachine.prototype.run = function (this: StateMachine, ...args: Parameters<StateMachine['run']>) {
      const execution = original.apply(this, args);
      // Map iterations and Parallel branches run as nested machines that forward their events to
      // the execution's own log: only the outermost run is an execution.
      if ((args[1] as { _rootAbortSignal?: AbortSignal } | undefined)?._rootAbortSignal) return execution;
      const name = String(args[1]?.context?.Execution?.Id ?? '').split(':')[6] ?? '';
      const usage = counters.usage[findWorkflow(name).type === 'STANDARD' ? 'events' : 'request'];
      const entry = usage.executions[name] ?? { executions: 0, transitions: 0 };
      entry.executions++;
      usage.executions[name] = entry;
      const source = execution.eventLogs;
      async function* counted() {
        for await (const event of source) {
          if (event.type === 'StateEntered' || event.type === 'StateRetried') entry.transitions++;
          yield event;
        }
      }
      return { ...execution, eventLogs: counted() };
    };
    this.restore.push(() => {
      StateMachine.prototype.run = original;
    });
  }
}
