/**
 * The failures AWS produces, on demand: DynamoDB throttles, conflicts and 500s, Lambda service errors
 * and timeouts, Step Functions throttling, OpenSearch refusals and Secrets Manager throttles, with
 * the error names, status codes and messages the services use. A fault spec chooses them (tests set
 * it through `runtime.faults` or `PUT /_local/faults`, `npm start -- --faults <spec>` from the command
 * line); a seed makes the rate draws repeatable.
 *
 * Spec: rules separated by commas, each `<service>[/<action>][#<state>]:<error>[@<percent>%|*<count>]`
 *   service  dynamodb | lambda | states | opensearch | secretsmanager
 *   action   the operation or function: TransactWriteItems, check-feed-entries, StartExecution, upsert…
 *   state    only calls made while this Task state runs (its own call, or the calls of its Lambda);
 *            `*` for any Task state: calls from workflows, not from the API's own Lambdas;
 *            `<workflow>/<state>` for that state of one workflow only (state names repeat across files)
 *   error    one of FAULTS[service] below
 *   @5%      every matching call fails with this probability; *3 the next 3 matching calls fail;
 *            neither: every matching call fails
 * e.g. `dynamodb:ThrottlingException@5%,lambda/present-article:TooManyRequestsException*1`.
 * Each HTTP attempt is a call: an SDK client's own retries draw again, as AWS's answers would.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HttpResponse } from '@smithy/protocol-http';
import { type RandomGenerator, unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { type ArticleSearch, SearchUnavailableError } from '../lambdas/shared/search/article-search.ts';

/** Each service's faults: how the service answers (status, error code, message). */
export const FAULTS = {
  dynamodb: {
    ProvisionedThroughputExceededException: {
      status: 400,
      message:
        'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
    },
    ThrottlingException: { status: 400, message: 'Rate of requests exceeds the allowed throughput.' },
    RequestLimitExceeded: {
      status: 400,
      message:
        'Throughput exceeds the current throughput limit for your account. Please contact AWS Support at https://aws.amazon.com/support request a limit increase',
    },
    InternalServerError: { status: 500, message: 'Internal server error' },
    /**
     * Another transaction holds the item: a single-item write raises TransactionConflictException, a
     * transaction is cancelled with TransactionConflict at one of its items (the seed picks which).
     * Reads are never refused this way.
     */
    TransactionConflict: { status: 400, message: 'Transaction is ongoing for the item' },
  },
  lambda: {
    ServiceException: { status: 500, message: 'Lambda encountered an unexpected internal error.' },
    TooManyRequestsException: { status: 429, message: 'Rate Exceeded.' },
    /** The function ran out of time: it ran (its writes may have happened), then Lambda reports it failed. */
    timeout: { status: 200, message: 'Task timed out after 3.00 seconds' },
    /**
     * Step Functions' Lambda client stopped waiting for the Invoke answer: an SDK client error (no
     * status), and the function may have run all the same.
     */
    ClientExecutionTimeoutException: {
      status: 0,
      message: 'Client execution did not complete before the specified timeout configuration.',
    },
  },
  states: {
    ThrottlingException: { status: 400, message: 'Rate exceeded' },
    ExecutionLimitExceeded: {
      status: 400,
      message: 'Maximum number of running executions reached for this account.',
    },
  },
  opensearch: {
    '429': { status: 429, message: 'es_rejected_execution_exception' },
    '503': { status: 503, message: 'cluster_block_exception' },
    reset: { status: 0, message: 'socket hang up (ECONNRESET)' },
  },
  secretsmanager: {
    ThrottlingException: { status: 400, message: 'Rate exceeded' },
    timeout: { status: 0, message: 'Connection timed out after 1000 ms' },
  },
} as const satisfies Record<string, Record<string, { status: number; message: string }>>;

export type FaultService = keyof typeof FAULTS;

export interface FaultRule {
  readonly service: FaultService;
  /** The operation (DynamoDB, Step Functions, search) or function (Lambda); any when undefined. */
  readonly action?: string;
  /** Only calls made while this Task state (`*`: any; `<workflow>/<state>`: of that workflow) runs; any call when undefined. */
  readonly state?: string;
  readonly error: string;
  /** Probability of failing a matching call, 0 to 1; every call when neither rate nor times is set. */
  readonly rate?: number;
  /** Fails the next `times` matching calls, then never again. */
  readonly times?: number;
}

/** A call the runtime is about to make to a service. */
export interface ServiceCall {
  readonly service: FaultService;
  readonly action: string;
}

/** A fault chosen for a call: what to answer. */
export interface Fault {
  readonly service: FaultService;
  readonly action: string;
  readonly state?: string;
  readonly error: string;
  readonly status: number;
  readonly message: string;
  /** A draw in [0, n) from the seeded generator, for choices the answer needs (which item conflicts). */
  readonly pick: (n: number) => number;
}

/** The Task state a call is made for (set by the workflow runner around each Task). */
export interface TaskScope {
  readonly workflow: string;
  readonly state: string;
}

export const taskScope = new AsyncLocalStorage<TaskScope>();

const RULE =
  /^(?<service>[a-z0-9]+)(?:\/(?<action>[^#:]+))?(?:#(?<state>[^:]+))?:(?<error>[^@*]+)(?:@(?<percent>[0-9.]+)%|\*(?<times>[0-9]+))?$/;

export class FaultSpecError extends Error {}

/** Parses a spec (see the module comment); throws FaultSpecError naming what is wrong. */
export function parseFaultSpec(spec: string): FaultRule[] {
  return spec
    .split(',')
    .map((text) => text.trim())
    .filter(Boolean)
    .map((text) => {
      const groups = RULE.exec(text)?.groups;
      if (!groups) {
        throw new FaultSpecError(
          `fault "${text}": expected <service>[/<action>][#<state>]:<error>[@<percent>%|*<count>]`,
        );
      }
      const service = groups.service as FaultService;
      if (!(service in FAULTS)) {
        throw new FaultSpecError(
          `fault "${text}": no service ${service} (${Object.keys(FAULTS).join(', ')})`,
        );
      }
      const error = groups.error ?? '';
      if (!(error in FAULTS[service])) {
        throw new FaultSpecError(
          `fault "${text}": ${service} has no fault ${error} (${Object.keys(FAULTS[service]).join(', ')})`,
        );
      }
      const rate = groups.percent === undefined ? undefined : Number(groups.percent) / 100;
      if (rate !== undefined && !(rate >= 0 && rate <= 1)) {
        throw new FaultSpecError(`fault "${text}": the rate must be 0 to 100 %`);
      }
      return {
        service,
        error,
        ...(groups.action ? { action: groups.action } : {}),
        ...(groups.state ? { state: groups.state } : {}),
        ...(rate === undefined ? {} : { rate }),
        ...(groups.times === undefined ? {} : { times: Number(groups.times) }),
      };
    });
}

/** A fault that was injected: when, into which call. */
export interface InjectedFault {
  readonly at: string;
  readonly service: FaultService;
  readonly action: string;
  readonly workflow?: string;
  readonly state?: string;
  readonly error: string;
}

const MAX_RECORDS = 1000;

/** A DynamoDB write that a TransactionConflict can refuse. */
const DYNAMODB_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'TransactWriteItems']);

/** The rules in force, the seeded generator and what was injected. One per runtime. */
export class FaultInjector {
  private rules: { rule: FaultRule; remaining: number }[] = [];
  private random: RandomGenerator;
  private readonly records: InjectedFault[] = [];
  private injectedCount = 0;

  constructor(
    rules: readonly FaultRule[] = [],
    private seedValue = 1,
  ) {
    this.random = xoroshiro128plus(seedValue);
    this.set(rules, seedValue);
  }

  /** Replaces the rules (and restarts the generator from the seed). */
  set(rules: readonly FaultRule[], seed: number = this.seedValue): void {
    this.seedValue = seed;
    this.random = xoroshiro128plus(seed);
    this.rules = rules.map((rule) => ({ rule, remaining: rule.times ?? Number.POSITIVE_INFINITY }));
  }

  clear(): void {
    this.set([]);
  }

  get seed(): number {
    return this.seedValue;
  }

  get active(): readonly FaultRule[] {
    return this.rules.filter(({ remaining }) => remaining > 0).map(({ rule }) => rule);
  }

  /** Faults injected so far (the last thousand) and how many in all. */
  injected(): { readonly count: number; readonly recent: readonly InjectedFault[] } {
    return { count: this.injectedCount, recent: [...this.records] };
  }

  private draw(n: number): number {
    return unsafeUniformIntDistribution(0, n - 1, this.random);
  }

  /** The fault to answer this call with, if a rule chooses one. */
  pick(call: ServiceCall): Fault | undefined {
    if (this.rules.length === 0) return undefined;
    const scope = taskScope.getStore();
    for (const entry of this.rules) {
      const { rule } = entry;
      if (entry.remaining <= 0 || rule.service !== call.service) continue;
      if (rule.action !== undefined && rule.action !== call.action) continue;
      if (
        rule.state !== undefined &&
        !(
          scope &&
          (rule.state === '*' ||
            rule.state === scope.state ||
            rule.state === `${scope.workflow}/${scope.state}`)
        )
      )
        continue;
      if (rule.error === 'TransactionConflict' && !DYNAMODB_WRITES.has(call.action)) continue;
      if (rule.rate !== undefined && this.draw(1_000_000) >= rule.rate * 1_000_000) continue;
      entry.remaining--;
      this.injectedCount++;
      this.records.push({
        at: new Date().toISOString(),
        service: call.service,
        action: call.action,
        ...(scope ? { workflow: scope.workflow, state: scope.state } : {}),
        error: rule.error,
      });
      if (this.records.length > MAX_RECORDS) this.records.shift();
      const answer = (FAULTS[rule.service] as Record<string, { status: number; message: string }>)[
        rule.error
      ];
      return {
        ...call,
        ...(scope ? { state: scope.state } : {}),
        error: rule.error,
        status: answer?.status ?? 500,
        message: answer?.message ?? rule.error,
        pick: (n) => this.draw(n),
      };
    }
    return undefined;
  }
}

const DYNAMODB_ERROR_TYPE = 'com.amazonaws.dynamodb.v20120810#';

/** DynamoDB's HTTP answer for a fault, which the SDK turns into its exception as it would AWS's. */
function dynamoDbAnswer(fault: Fault, input: { TransactItems?: unknown[] }): HttpResponse {
  let body: Record<string, unknown>;
  if (fault.error === 'TransactionConflict' && fault.action === 'TransactWriteItems') {
    const count = input.TransactItems?.length ?? 1;
    const conflicting = fault.pick(count);
    const reasons = Array.from({ length: count }, (_, index) =>
      index === conflicting ? { Code: 'TransactionConflict', Message: fault.message } : { Code: 'None' },
    );
    body = {
      __type: `${DYNAMODB_ERROR_TYPE}TransactionCanceledException`,
      CancellationReasons: reasons,
      Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map(({ Code }) => Code).join(', ')}]`,
    };
  } else {
    const type = fault.error === 'TransactionConflict' ? 'TransactionConflictException' : fault.error;
    body = { __type: `${DYNAMODB_ERROR_TYPE}${type}`, message: fault.message };
  }
  return new HttpResponse({
    statusCode: fault.status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() },
    body: new TextEncoder().encode(JSON.stringify(body)),
  });
}

/**
 * Answers a client's calls with DynamoDB's faults. The middleware sits below the SDK's retries, in
 * place of the HTTP call, so each attempt draws and the SDK parses the answer as it parses AWS's.
 * Replaces the faults installed on the client before (the Lambdas' client is one per process).
 */
export function injectDynamoDbFaults(client: DynamoDBClient, faults: FaultInjector): void {
  client.middlewareStack.remove('localFaults');
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const action = (context.commandName ?? '').replace(/Command$/, '');
      const fault = faults.pick({ service: 'dynamodb', action });
      if (!fault) return next(args);
      return {
        response: dynamoDbAnswer(fault, args.input as { TransactItems?: unknown[] }),
        output: undefined,
      };
    },
    { step: 'deserialize', priority: 'low', name: 'localFaults' },
  );
}

/** Lambda faults that come after the function ran: its writes may have happened. */
export const LAMBDA_FAULTS_AFTER_RUN: ReadonlySet<string> = new Set([
  'timeout',
  'ClientExecutionTimeoutException',
]);

/** What a failed Lambda invocation raises: the error name Step Functions reports, and its cause. */
export class LambdaInvocationError extends Error {}

/** The error a Lambda fault raises in the caller, named as Step Functions names it. */
export function lambdaInvocationError(fault: Fault, functionName: string): LambdaInvocationError {
  const requestId = randomUUID();
  const error =
    fault.error === 'timeout'
      ? // A timed-out function reports no error type; Step Functions calls that Lambda.Unknown
        // (https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
        new LambdaInvocationError(
          `The cause could not be determined because Lambda did not return an error type. Returned payload: ${JSON.stringify({ errorMessage: `${new Date().toISOString()} ${requestId} ${fault.message}` })}`,
        )
      : fault.status === 0
        ? new LambdaInvocationError(fault.message)
        : new LambdaInvocationError(
            `${fault.message} (Service: AWSLambda; Status Code: ${fault.status}; Error Code: ${fault.error}; Request ID: ${requestId}; Proxy: null)`,
          );
  error.name = fault.error === 'timeout' ? 'Lambda.Unknown' : `Lambda.${fault.error}`;
  Object.assign(error, { functionName });
  return error;
}

/** The search operations a fault can refuse (`documents` and `rebuild` are operators', not the API's). */
const SEARCH_ACTIONS = ['upsert', 'remove', 'list', 'tags'] as const;
const unfaulted = new WeakMap<ArticleSearch, Pick<ArticleSearch, (typeof SEARCH_ACTIONS)[number]>>();

/** What the OpenSearch adapter raises for a refusal (lambdas/shared/search/opensearch.ts, `classified`). */
function searchError(fault: Fault): SearchUnavailableError {
  return fault.error === 'reset'
    ? new SearchUnavailableError(`OpenSearch could not be reached (ConnectionError: ${fault.message})`)
    : new SearchUnavailableError(`OpenSearch answered ${fault.status} (${fault.message})`);
}

/**
 * Makes the search index refuse calls as OpenSearch does when a fault is chosen, at the adapter's
 * interface (the adapter's own mapping of the client's errors is unit-tested), so the embedded index
 * fails like the real one. Replaces any faults installed on it before.
 */
export function injectSearchFaults(search: ArticleSearch, faults: FaultInjector): void {
  const original = unfaulted.get(search) ?? {
    upsert: search.upsert,
    remove: search.remove,
    list: search.list,
    tags: search.tags,
  };
  unfaulted.set(search, original);
  for (const action of SEARCH_ACTIONS) {
    const call = original[action] as (...args: unknown[]) => Promise<unknown>;
    (search as unknown as Record<string, unknown>)[action] = (...args: unknown[]) => {
      const fault = faults.pick({ service: 'opensearch', action });
      if (fault) return Promise.reject(searchError(fault));
      return call.apply(search, args);
    };
  }
}
