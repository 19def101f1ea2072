/**
 * Records what the execution logs of a workflow carry in AWS at level ALL with execution data: the
 * execution's input and output, every state's input and output, every task's parameters and raw
 * result (before ResultSelector), every error and cause. It wraps the runner's StateMachine.run,
 * which every local execution goes through (local/workflows.ts), so nothing in the runtime changes.
 */
import { StateMachine } from 'aws-local-stepfunctions';

type Run = StateMachine['run'];
type RunOptions = NonNullable<Parameters<Run>[1]>;
type Execution = ReturnType<Run>;
type EventLog = Execution['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;
type TaskHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;

export interface RecordedExecution {
  /** The workflow, from the execution ARN (`…:express:<workflow>:<name>`). */
  readonly workflow: string;
  readonly executionArn: string;
  /** Every piece of execution data, as a log line would carry it. */
  readonly entries: { readonly event: string; readonly state?: string; readonly data: unknown }[];
}

export interface ExecutionDataRecorder {
  readonly executions: readonly RecordedExecution[];
  /** Resolves once every execution so far has logged its last event. */
  settled(): Promise<void>;
  /** Puts the runner back as it was. */
  restore(): void;
}

export function recordExecutionData(): ExecutionDataRecorder {
  const run = StateMachine.prototype.run;
  const executions: RecordedExecution[] = [];
  const logging: Promise<void>[] = [];
  // Map iterations and Parallel branches run as nested state machines with the root's options.
  const rootOptions = new WeakSet<RunOptions>();

  StateMachine.prototype.run = function (this: StateMachine, input, options): Execution {
    if (options === undefined || rootOptions.has(options)) return run.call(this, input, options);
    const executionArn = String(options.context?.Execution?.Id ?? '');
    const execution: RecordedExecution = {
      workflow: executionArn.split(':').at(-2) ?? '',
      executionArn,
      entries: [],
    };
    executions.push(execution);
    const record = (event: string, state: string | undefined, data: unknown) =>
      execution.entries.push({ event, state, data });

    const handlers: TaskHandlers = {};
    for (const [state, handler] of Object.entries(options.overrides?.taskResourceLocalHandlers ?? {})) {
      handlers[state] = async (parameters) => {
        record('TaskScheduled', state, parameters);
        try {
          const result = await handler(parameters);
          record('TaskSucceeded', state, result);
          return result;
        } catch (error) {
          record('TaskFailed', state, { error: (error as Error).name, cause: (error as Error).message });
          throw error;
        }
      };
    }
    const recordingOptions: RunOptions = {
      ...options,
      overrides: { ...options.overrides, taskResourceLocalHandlers: handlers },
    };
    rootOptions.add(recordingOptions);
    const started = run.call(this, input, recordingOptions);

    // The event log has one reader: read it here and hand the same events on to the caller.
    const events: EventLog[] = [];
    let ended = false;
    let wake = (): void => undefined;
    logging.push(
      (async () => {
        for await (const event of started.eventLogs) {
          const { type, timestamp: _timestamp, ...data } = event;
          record(type, 'state' in event ? event.state.name : undefined, data);
          events.push(event);
          wake();
        }
        ended = true;
        wake();
      })(),
    );
    async function* handedOn(): AsyncGenerator<EventLog> {
      for (;;) {
        const event = events.shift();
        if (event) yield event;
        else if (ended) return;
        else await new Promise<void>((resolve) => (wake = resolve));
      }
    }
    return { ...started, eventLogs: handedOn() };
  } as Run;

  return {
    executions,
    settled: async () => {
      await Promise.all(logging);
    },
    restore: () => {
      StateMachine.prototype.run = run;
    },
  };
}
