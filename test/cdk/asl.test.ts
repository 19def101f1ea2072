/**
 * The ASL files themselves: valid Amazon States Language, runnable by the local runner, resilient
 * (Retry on every Task), readable in the console, and in one-to-one correspondence with
 * schemas/workflows.ts.
 */
import { readdirSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { statusOfError } from '../../lambdas/shared/errors.ts';
import {
  type AslMachine,
  type AslState,
  allStates,
  assertSupported,
  loadWorkflow,
  taskResource,
  taskStates,
} from '../../schemas/asl.ts';
import { ARTICLE_CHANGE_ATTRIBUTE, articleChanges } from '../../schemas/events.ts';
import { businessErrors, framed, ownStates } from '../../schemas/idempotency-frame.ts';
import { fromRoot } from '../../schemas/paths.ts';
import { type RetryPolicyName, retryPolicies, retryPolicyOf } from '../../schemas/retry-policies.ts';
import { workflowFile, workflows } from '../../schemas/workflows.ts';

const loaded = workflows.map((definition) => loadWorkflow(definition));
const cases = loaded.map((workflow) => [workflow.file, workflow] as const);

/** The Retry policy each kind of Task must carry (transient failures of its integration). */
function requiredPolicy(state: AslState, type: 'EXPRESS' | 'STANDARD'): RetryPolicyName | undefined {
  const resource = taskResource(state.Resource ?? '');
  if (resource?.kind === 'dynamodb')
    return type === 'EXPRESS' ? 'dynamoDbWhileAnswering' : 'dynamoDbInBackground';
  if (resource?.kind === 'lambda') return 'lambdaService';
  if (resource?.kind === 'startExecution') return 'startExecution';
  return undefined;
}

/** API Gateway ends a StartSyncExecution integration at 29 s. */
const API_GATEWAY_TIMEOUT_SECONDS = 29;

interface Retrier {
  readonly ErrorEquals: readonly string[];
  readonly IntervalSeconds?: number;
  readonly MaxAttempts?: number;
  readonly BackoffRate?: number;
  readonly MaxDelaySeconds?: number;
  readonly JitterStrategy?: string;
}

/** The longest a retrier can wait in all, with the defaults of the States Language. */
const longestWait = ({ IntervalSeconds = 1, MaxAttempts = 3, BackoffRate = 2, MaxDelaySeconds }: Retrier) =>
  Array.from({ length: MaxAttempts }, (_, attempt) =>
    Math.min(IntervalSeconds * BackoffRate ** attempt, MaxDelaySeconds ?? Number.POSITIVE_INFINITY),
  ).reduce((sum, wait) => sum + wait, 0);

/** A Task writing DynamoDB, or a Parallel holding one. */
const WRITE_ACTIONS = new Set([
  'putItem',
  'updateItem',
  'deleteItem',
  'transactWriteItems',
  'batchWriteItem',
]);
const writes = (state: AslState): boolean => {
  const resource = taskResource(state.Resource ?? '');
  if (resource?.kind === 'dynamodb') return WRITE_ACTIONS.has(resource.action);
  return (state.Branches ?? []).some((branch) => Object.values(branch.States).some(writes));
};

/** The states a write can lead to (Catch paths included): whatever they do may follow a write. */
function statesAfterWrites(machine: AslMachine): Set<string> {
  const after = new Set<string>();
  const pending = Object.entries(machine.States)
    .filter(([, state]) => writes(state))
    .map(([name]) => name);
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (after.has(name)) continue;
    after.add(name);
    const state = machine.States[name];
    const choices = (state?.Choices ?? []) as { Next: string }[];
    const catches = (state?.Catch ?? []) as { Next: string }[];
    pending.push(...[...choices, ...catches].map((clause) => clause.Next));
    for (const next of [state?.Default, state?.Next]) if (typeof next === 'string') pending.push(next);
  }
  return after;
}

/** Errors a state's Retry clauses, or those of the states inside it, name. */
const retriedErrors = (state: AslState): string[] => [
  ...new Set([
    ...((state.Retry ?? []) as Retrier[]).flatMap((retry) => retry.ErrorEquals),
    ...(state.Branches ?? []).flatMap((branch) => Object.values(branch.States).flatMap(retriedErrors)),
  ]),
];

/** Conflicts are retried and answered by the transactions' own clauses. */
const CONFLICT_ERRORS = new Set(['TransactionConflict', 'DynamoDb.TransactionConflictException']);

describe('the idempotency frame', () => {
  test('keeps every error kind with its cause but Unavailable, which releases the key', () => {
    expect([...businessErrors, 'Unavailable'].sort()).toEqual(Object.keys(statusOfError).sort());
  });
});

describe('state-machines/ and schemas/workflows.ts list the same workflows', () => {
  test('every ASL file is registered, with the type its directory says', () => {
    const files = ['express', 'standard'].flatMap((dir) =>
      readdirSync(fromRoot(`state-machines/${dir}`))
        .filter((file) => file.endsWith('.asl.json'))
        .map((file) => `state-machines/${dir}/${file}`),
    );
    expect(files.sort()).toEqual(workflows.map(workflowFile).sort());
  });

  test('names are unique', () => {
    expect(new Set(workflows.map((workflow) => workflow.name)).size).toBe(workflows.length);
  });
});

describe.each(cases)('%s', (_file, workflow) => {
  test('is valid Amazon States Language (asl-validator)', () => {
    const result = aslValidator(workflow.asl);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  test('stays inside the supported subset: JSONPath, no Distributed Map, known Task resources, unique state names', () => {
    expect(() => assertSupported(workflow.asl, workflow.file)).not.toThrow();
  });

  test('every Task retries the transient failures of its integration with the named policy', () => {
    for (const { name, state } of taskStates(workflow.asl)) {
      const policies = (state.Retry ?? []).map(retryPolicyOf);
      expect({ name, policies }).toEqual({
        name,
        policies: expect.arrayContaining([requiredPolicy(state, workflow.definition.type)]),
      });
    }
  });

  test('every Retry is exactly one of the named policies (schemas/retry-policies.ts)', () => {
    for (const { name, state } of allStates(workflow.asl)) {
      for (const retrier of state.Retry ?? []) {
        expect({ name, retrier, policy: retryPolicyOf(retrier) }).toEqual({
          name,
          retrier,
          policy: expect.any(String),
        });
      }
    }
  });

  if (workflow.definition.type === 'EXPRESS') {
    test('is its own states inside the idempotency frame (npm run asl:frame)', () => {
      // Parsed afresh: asl-validator adds fields to the document it checks.
      const document = JSON.parse(workflow.text) as AslMachine;
      expect(document).toEqual(framed(workflow.definition.name, document.Comment, ownStates(document)));
    });

    test('every step before its first write turns a failure its retries could not outlast into Unavailable', () => {
      // So that the failure releases an Idempotency-Key (nothing was written) instead of being kept.
      const own = ownStates(workflow.asl);
      const afterWrite = statesAfterWrites(own);
      for (const [name, state] of Object.entries(own.States)) {
        const retried = retriedErrors(state).filter((error) => !CONFLICT_ERRORS.has(error));
        if (afterWrite.has(name) || retried.length === 0) continue;
        const releasing = (state.Catch ?? []) as { ErrorEquals: string[]; Next: string }[];
        expect({
          name,
          caught: releasing.find((clause) => own.States[clause.Next]?.Error === 'Unavailable'),
        }).toEqual({ name, caught: expect.objectContaining({ ErrorEquals: retried }) });
      }
    });

    test('retries end well inside the 29 s API Gateway waits', () => {
      for (const { state } of allStates(workflow.asl)) {
        for (const retrier of (state.Retry ?? []) as Retrier[]) {
          expect(longestWait(retrier)).toBeLessThanOrEqual(API_GATEWAY_TIMEOUT_SECONDS / 4);
        }
      }
    });
  }

  test('state names read as sentences in the console', () => {
    const names = allStates(workflow.asl).map((visited) => visited.name);
    for (const name of names) {
      // "Save user and markers", "Does the user exist?": capitalised words, no identifiers.
      expect(name).toMatch(/^[A-Z][a-z']*( [A-Za-z0-9'#-]+)+[?.]?$/);
      expect(name).not.toMatch(/[a-z][A-Z]|_/);
      expect(name.length).toBeLessThanOrEqual(80);
    }
  });

  test('a business failure ends in a Fail state whose cause is a RealWorld error body', () => {
    const businessFailures = allStates(workflow.asl).filter(
      ({ state }) => state.Type === 'Fail' && String(state.Error) in statusOfError,
    );
    for (const { name, state } of businessFailures) {
      const fail = state as AslState & { Cause?: string; CausePath?: string };
      if (fail.CausePath) continue; // built at run time by a Pass state with States.JsonToString
      expect({ name, cause: JSON.parse(fail.Cause ?? 'null') }).toEqual({
        name,
        cause: { errors: expect.any(Object) },
      });
    }
  });

  test('a transaction conflict is retried with full jitter, a bounded time well inside 29 s', () => {
    const conflictRetriers = allStates(workflow.asl).flatMap(({ name, state }) =>
      ((state.Retry ?? []) as Retrier[])
        .filter((retrier) => retrier.ErrorEquals.some((error) => error.includes('TransactionConflict')))
        .map((retrier) => ({ name, retrier })),
    );
    for (const { name, retrier } of conflictRetriers) {
      expect({ name, jitter: retrier.JitterStrategy }).toEqual({ name, jitter: 'FULL' });
      expect(longestWait(retrier)).toBeLessThanOrEqual(API_GATEWAY_TIMEOUT_SECONDS / 4);
    }
  });
});

test('every named Retry policy is used by some workflow', () => {
  const used = new Set(
    loaded.flatMap(({ asl }) =>
      allStates(asl).flatMap(({ state }) => (state.Retry ?? []).map(retryPolicyOf)),
    ),
  );
  expect([...used].sort()).toEqual(Object.keys(retryPolicies).sort());
});

describe('the supported subset (assertSupported)', () => {
  const machine = (States: Record<string, unknown>) =>
    ({ StartAt: Object.keys(States)[0] ?? '', States }) as never;
  const succeed = { Type: 'Succeed' };

  test.each([
    ['JSONata', { QueryLanguage: 'JSONata', StartAt: 'A', States: { A: succeed } }, /JSONPath only/],
    ['a variable', machine({ A: { Type: 'Pass', Assign: { x: 1 }, End: true } }), /uses Assign/],
    [
      'a state name used twice',
      machine({
        A: { Type: 'Parallel', Branches: [{ StartAt: 'A', States: { A: succeed } }], End: true },
      }),
      /state names must be unique/,
    ],
    [
      'an unknown resource',
      machine({ A: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } }),
      /unsupported resource/,
    ],
  ])('refuses %s', (_what, asl, message) => {
    expect(() => assertSupported(asl, 'x.asl.json')).toThrow(message);
  });
});

const logged = cases.filter(([, workflow]) => !workflow.definition.carriesSecrets);
describe.each(logged)('%s, whose logs carry execution data', (_file, workflow) => {
  test('reads neither password hashes nor emails', () => {
    const userReads = taskStates(workflow.asl).filter(
      ({ state }) =>
        /:(getItem|query|scan|batchGetItem)$/.test(state.Resource ?? '') &&
        JSON.stringify(state.Parameters ?? {}).includes('"${UsersTable}"'),
    );
    for (const { name, state } of userReads) {
      const projection = String(state.Parameters?.ProjectionExpression ?? '*').split(/\s*,\s*/);
      const secret = projection.filter((attribute) => ['*', 'passwordHash', 'email'].includes(attribute));
      expect({ name, secret }).toEqual({ name, secret: [] });
    }
  });
});

const express = cases.filter(([, workflow]) => workflow.definition.type === 'EXPRESS');
describe.each(express)('%s, an express workflow', (_file, workflow) => {
  test('has no Wait state: a client is waiting for its answer', () => {
    expect(allStates(workflow.asl).filter(({ state }) => state.Type === 'Wait')).toEqual([]);
  });
});

/**
 * The article-events filter (schemas/events.ts) tells a counter's write from a content change by
 * `lastChange`, which every write of an article item must set: one that left it as it was would
 * be judged by the previous write's value. Writes built by a Lambda task are checked where they are
 * built (test/workflows/articles.test.ts reads the stored items).
 */
describe('every write of an article item in an ASL file names what it changed', () => {
  type Parameters = Readonly<Record<string, unknown>>;
  const counters = Object.values(articleChanges).filter((change) => change !== articleChanges.content);
  const isArticleKey = (key: unknown) =>
    /^(article#|States\.Format\('article#)/.test(String(Object.values((key as Parameters)?.pk ?? {})[0]));
  const articleWrites = loaded.flatMap((workflow) =>
    taskStates(workflow.asl).flatMap(({ name, state }) => {
      const resource = taskResource(state.Resource ?? '');
      const parameters = state.Parameters ?? {};
      const writes: [string, Parameters][] =
        resource?.kind !== 'dynamodb'
          ? []
          : resource.action === 'transactWriteItems'
            ? ((parameters.TransactItems ?? []) as Record<string, Parameters>[]).flatMap((item) =>
                Object.entries(item),
              )
            : [[resource.action.replace(/Item$/, '').replace(/^./, (c) => c.toUpperCase()), parameters]];
      return writes
        .filter(
          ([operation, body]) =>
            ['Update', 'Put'].includes(operation) &&
            body.TableName === '${ArticlesTable}' &&
            isArticleKey(operation === 'Put' ? body.Item : body.Key),
        )
        .map(([operation, body]) => ({
          file: workflow.file,
          at: `${workflow.file}: ${name}`,
          operation,
          body,
        }));
    }),
  );

  test('the favorite, unfavorite and comment-id writes are found', () => {
    expect([...new Set(articleWrites.map(({ file }) => file))].sort()).toEqual([
      'state-machines/express/add-comment.asl.json',
      'state-machines/express/favorite-article.asl.json',
      'state-machines/express/unfavorite-article.asl.json',
    ]);
  });

  test.each(articleWrites.map((write) => [write.at, write] as const))(
    '%s sets lastChange to the counter it moves, or to content',
    (_at, { operation, body }) => {
      const expression = String(body.UpdateExpression ?? '');
      const assignment = new RegExp(`\\bSET\\b.*\\b${ARTICLE_CHANGE_ATTRIBUTE} = (:\\w+)`).exec(expression);
      const value =
        operation === 'Put'
          ? (body.Item as Parameters)[ARTICLE_CHANGE_ATTRIBUTE]
          : (body.ExpressionAttributeValues as Parameters | undefined)?.[assignment?.[1] ?? ''];
      const moved = counters.filter((counter) => new RegExp(`\\bADD\\b.*\\b${counter}\\b`).test(expression));
      expect({ moved: moved.length <= 1, lastChange: value }).toEqual({
        moved: true,
        lastChange: { S: moved[0] ?? articleChanges.content },
      });
    },
  );
});
