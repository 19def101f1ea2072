/**
 * The recent executions of every workflow, as the Step Functions console shows them: built by the
 * runner (local/workflows.ts) from each execution's event log, kept in memory (the last
 * RECENT_EXECUTIONS, and failed ones until FAILED_EXECUTIONS later failures), read by the execution
 * viewer (local/execution-viewer.ts). Everything stored is redacted first: no password, password
 * hash, token or Authorization value is kept, whatever key or string it hides in.
 */
import type { WorkflowType } from '../schemas/workflows.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What started an execution. */
export type Trigger =
  | { readonly kind: 'request'; readonly method: string; readonly path: string; readonly requestId: string }
  | { readonly kind: 'stream'; readonly table: string; readonly records: readonly string[] }
  | { readonly kind: 'execution'; readonly parent: string }
  | { readonly kind: 'direct' };

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface StateRun {
  readonly name: string;
  readonly type: string;
  /** The Map iteration it ran in. */
  readonly iteration?: number;
  readonly enteredAt: number;
  exitedAt?: number;
  readonly input: Json;
  output?: Json;
  /** Every error it met, in order; retried ones are followed by a retry. */
  readonly errors: { readonly error: string; readonly cause: string; readonly at: number }[];
  readonly retries: { readonly attempt: number; readonly at: number }[];
  /** The error a Catch clause caught, ending the state. */
  caught?: string;
}

export interface ExecutionRecord {
  readonly name: string;
  readonly executionArn: string;
  readonly workflow: string;
  readonly type: WorkflowType;
  readonly trigger: Trigger;
  readonly startedAt: number;
  stoppedAt?: number;
  status: ExecutionStatus;
  readonly input: Json;
  output?: Json;
  error?: string;
  cause?: string;
  readonly states: StateRun[];
  /** States left out once an execution had MAX_STATES (a long fan-out page). */
  statesOmitted: number;
}

export const RECENT_EXECUTIONS = 200;
export const FAILED_EXECUTIONS = 100;
const MAX_STATES = 500;
/** A value whose JSON is longer is kept as its beginning, so a large page does not fill the memory. */
const MAX_VALUE_CHARS = 20_000;

export const REDACTED = '[redacted]';
/** Keys whose values are secrets wherever they appear (request bodies, items, task results). */
const SECRET_KEY = /^(password|passwordhash|token|authorization|jwt|secret|privatekey)$/i;
/** Secrets inside strings: bcrypt hashes, JWTs, and an `Authorization: Token …` value. */
const SECRET_TEXT = [
  /\b(Token|Bearer) [\w.-]+/g,
  /\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/g,
  /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/g,
];

/** The value with every secret replaced by REDACTED; JSON held in a string is redacted inside. */
export function redact(value: unknown): Json {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return JSON.stringify(redact(JSON.parse(trimmed)));
      } catch {
        // Not JSON after all: scanned as text below.
      }
    }
    return SECRET_TEXT.reduce((text, pattern) => text.replace(pattern, REDACTED), value);
  }
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        SECRET_KEY.test(key.replace(/[.$_-]/g, '')) ? REDACTED : redact(inner),
      ]),
    );
  }
  return value === undefined ? null : (value as Json);
}

/** A secret key's value in JSON text, plain or escaped inside a string: a string or a DynamoDB `{"S": …}`. */
const JSON_STRING = String.raw`\\?"(?:[^"\\]|\\.)*?\\?"`;
const SECRET_VALUE_IN_TEXT = new RegExp(
  String.raw`(\\?"(?:password|passwordHash|token|authorization|jwt|secret|privateKey)\\?"\s*:\s*)` +
    String.raw`(?:\{\s*\\?"S\\?"\s*:\s*${JSON_STRING}\s*\}|${JSON_STRING})`,
  'gi',
);

/**
 * Redacted, and cut to its first MAX_VALUE_CHARS characters of JSON when longer. A long value (a
 * fan-out page) is redacted as text, which costs a fraction of walking it, before it is cut.
 */
function kept(value: unknown): Json {
  const text = JSON.stringify(value) ?? 'null';
  if (text.length <= MAX_VALUE_CHARS) return redact(value);
  const clean = SECRET_TEXT.reduce(
    (redacted, pattern) => redacted.replace(pattern, REDACTED),
    text.replace(SECRET_VALUE_IN_TEXT, `$1"${REDACTED}"`),
  );
  return `${clean.slice(0, MAX_VALUE_CHARS)}… (${text.length} characters, cut)`;
}

/** A Pipe batch as the poller delivers it: DynamoDB stream records. */
function streamTrigger(input: Json): Trigger | undefined {
  if (!Array.isArray(input) || input.length === 0) return undefined;
  const records = input as { eventSourceARN?: string; eventName?: string; dynamodb?: { Keys?: Json } }[];
  const table = /:table\/([^/]+)\//.exec(records[0]?.eventSourceARN ?? '')?.[1];
  if (!table) return undefined;
  return {
    kind: 'stream',
    table,
    records: records.map((record) => {
      const keys = (record.dynamodb?.Keys ?? {}) as Record<string, { S?: string }>;
      return `${record.eventName} ${Object.values(keys)
        .map((key) => key.S ?? '')
        .join(' ')}`;
    }),
  };
}

export class ExecutionHistory {
  private readonly byName = new Map<string, ExecutionRecord>();
  private readonly recent: string[] = [];
  private readonly failed: string[] = [];

  begin(start: {
    name: string;
    executionArn: string;
    workflow: string;
    type: WorkflowType;
    input: Json;
    trigger?: Trigger;
  }): ExecutionRecord {
    const record: ExecutionRecord = {
      name: start.name,
      executionArn: start.executionArn,
      workflow: start.workflow,
      type: start.type,
      trigger: start.trigger ?? streamTrigger(start.input) ?? { kind: 'direct' },
      startedAt: Date.now(),
      status: 'RUNNING',
      input: kept(start.input),
      states: [],
      statesOmitted: 0,
    };
    this.byName.set(record.name, record);
    this.recent.push(record.name);
    if (this.recent.length > RECENT_EXECUTIONS) this.forget(this.recent.shift(), this.failed);
    return record;
  }

  /** Applies one event of the execution's log. */
  record(
    execution: ExecutionRecord,
    event: {
      type: string;
      timestamp: number;
      state?: { name: string; type: string; input: unknown; output?: unknown };
      index?: number;
      Error?: string;
      Cause?: unknown;
      retry?: { attempt: number };
    },
  ): void {
    if (!event.state) return;
    const { name } = event.state;
    if (event.type === 'StateEntered') {
      if (execution.states.length >= MAX_STATES) {
        execution.statesOmitted++;
        return;
      }
      execution.states.push({
        name,
        type: event.state.type,
        ...(event.index === undefined ? {} : { iteration: event.index }),
        enteredAt: event.timestamp,
        input: kept(event.state.input),
        errors: [],
        retries: [],
      });
      return;
    }
    const run = execution.states.findLast(
      (candidate) => candidate.name === name && candidate.iteration === event.index,
    );
    if (!run) return;
    switch (event.type) {
      case 'StateExited':
        run.exitedAt = event.timestamp;
        run.output = kept(event.state.output);
        break;
      case 'StateFailed':
        run.exitedAt = event.timestamp;
        run.errors.push({
          error: event.Error ?? '',
          cause: String(redact(typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause))),
          at: event.timestamp,
        });
        break;
      case 'StateRetried':
        run.exitedAt = undefined;
        run.retries.push({ attempt: event.retry?.attempt ?? 0, at: event.timestamp });
        break;
      case 'StateCaught':
        run.caught = run.errors.at(-1)?.error ?? '';
        break;
    }
  }

  end(
    execution: ExecutionRecord,
    result: { status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT'; output?: string; error?: string; cause?: string },
  ): void {
    execution.stoppedAt = Date.now();
    execution.status = result.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED';
    if (result.output !== undefined) execution.output = kept(JSON.parse(result.output));
    if (result.error !== undefined) execution.error = result.error;
    if (result.cause !== undefined) execution.cause = String(redact(result.cause));
    if (execution.status === 'FAILED') {
      // Kept even if it ran so long that RECENT_EXECUTIONS later ones pushed it out meanwhile.
      this.byName.set(execution.name, execution);
      this.failed.push(execution.name);
      if (this.failed.length > FAILED_EXECUTIONS) this.forget(this.failed.shift(), this.recent);
    }
  }

  /** Drops an execution that left one list unless the other still holds it. */
  private forget(name: string | undefined, other: readonly string[]): void {
    if (name !== undefined && !other.includes(name)) this.byName.delete(name);
  }

  /** Failed executions first, then the others; most recent first within each. */
  list(): ExecutionRecord[] {
    const all = [...this.byName.values()].sort((a, b) => b.startedAt - a.startedAt);
    return [...all.filter((e) => e.status === 'FAILED'), ...all.filter((e) => e.status !== 'FAILED')];
  }

  get(name: string): ExecutionRecord | undefined {
    return this.byName.get(name);
  }

  /** The executions an execution started (fan-out pages, jobs). */
  children(name: string): ExecutionRecord[] {
    return [...this.byName.values()].filter(
      (record) => record.trigger.kind === 'execution' && record.trigger.parent === name,
    );
  }
}
