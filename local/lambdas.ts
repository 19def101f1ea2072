/**
 * Runs the Lambda handler modules of schemas/functions.ts in-process: the same modules CDK
 * bundles, imported once at start and invoked with the events AWS would send.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { functions } from '../schemas/functions.ts';
import { fromRoot } from '../schemas/paths.ts';
import { type FaultInjector, LAMBDA_FAULTS_AFTER_RUN, lambdaInvocationError } from './faults.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

export const localFunctionArn = (name: string): string =>
  `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

function lambdaContext(name: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: localFunctionArn(name),
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export class LocalLambdas {
  private constructor(
    private readonly handlers: ReadonlyMap<string, Handler>,
    private readonly faults?: FaultInjector,
  ) {}

  /**
   * Imports every handler module; a missing module or export fails here, at start. Invocations meet
   * the Lambda faults of `faults`.
   */
  static async load(faults?: FaultInjector): Promise<LocalLambdas> {
    const handlers = new Map<string, Handler>();
    for (const definition of functions) {
      const module = (await import(pathToFileURL(fromRoot(definition.entry)).href)) as {
        handler?: Handler;
      };
      if (typeof module.handler !== 'function') {
        throw new Error(`${definition.entry} does not export a handler function`);
      }
      handlers.set(definition.name, module.handler);
    }
    return new LocalLambdas(handlers, faults);
  }

  has(name: string): boolean {
    return this.handlers.has(name);
  }

  /**
   * Invokes a function as Lambda's Invoke API does. A fault throws LambdaInvocationError: a service
   * error or throttle before the handler runs, a timeout (the function's or the caller's) after it ran.
   */
  async invoke(name: string, event: unknown): Promise<unknown> {
    const handler = this.handlers.get(name);
    if (!handler) throw new Error(`No local function "${name}"`);
    const fault = this.faults?.pick({ service: 'lambda', action: name });
    if (fault && !LAMBDA_FAULTS_AFTER_RUN.has(fault.error)) throw lambdaInvocationError(fault, name);
    const result = handler(event, lambdaContext(name));
    if (!fault) return result;
    // A function that timed out, or whose caller stopped waiting, answers nothing, whatever it would
    // have returned or thrown.
    await result.catch(() => undefined);
    throw lambdaInvocationError(fault, name);
  }
}
