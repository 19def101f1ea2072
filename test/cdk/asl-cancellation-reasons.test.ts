/**
 * A cancelled transaction's reasons come in the order of its TransactItems, and the Choice states
 * read them by position (`"*reasons [None, ConditionalCheckFailed*"`). This test reads each such
 * Choice rule together with the transaction it judges and checks that the position it reads is the
 * item its outcome is about: reordering TransactItems without the Choice (or the Lambda that builds a
 * transaction, for update-user and update-article) fails here instead of silently re-routing.
 */
import { describe, expect, it } from '@jest/globals';
import { handler as validateArticleUpdate } from '../../lambdas/tasks/validate-article-update.ts';
import { handler as validateUserUpdate } from '../../lambdas/tasks/validate-user-update.ts';
import { type AslMachine, type AslState, allStates, loadWorkflow } from '../../schemas/asl.ts';
import { workflows } from '../../schemas/workflows.ts';

interface ReasonRule {
  readonly workflow: string;
  readonly choice: string;
  readonly next: string;
  /** The reason the rule looks for, at `position`. */
  readonly code: string;
  readonly position: number;
}

/** `*reasons [None, None, ConditionalCheckFailed*` → ConditionalCheckFailed at 2. */
function reasonRule(workflow: string, choice: string, rule: Record<string, unknown>): ReasonRule | undefined {
  const pattern = typeof rule.StringMatches === 'string' ? rule.StringMatches : '';
  const match = /^\*reasons \[((?:None, )*)(\w+)\*$/.exec(pattern);
  if (!match) return undefined;
  const position = (match[1] ?? '').split('None, ').length - 1;
  return { workflow, choice, next: String(rule.Next), code: match[2] ?? '', position };
}

const loaded = workflows.map((definition) => ({ name: definition.name, asl: loadWorkflow(definition).asl }));

const rules: ReasonRule[] = loaded.flatMap(({ name, asl }) =>
  allStates(asl).flatMap(({ name: choice, state }) =>
    ((state.Choices ?? []) as Record<string, unknown>[]).flatMap(
      (rule) => reasonRule(name, choice, rule) ?? [],
    ),
  ),
);

/**
 * The transaction a Choice judges: the Task, or the Parallel around it, whose Catch leads to the
 * Choice (or leads to a state that does, for the Choice inside a Parallel).
 */
function transactionOf(asl: AslMachine, choice: string): AslState {
  const visited = allStates(asl);
  const catching = visited.find(({ state }) =>
    ((state.Catch ?? []) as { Next: string }[]).some((catcher) => catcher.Next === choice),
  );
  if (!catching) throw new Error(`No Catch leads to "${choice}"`);
  const transactions = (catching.state.Type === 'Parallel' ? allStates(asl) : [catching])
    .filter(({ within, name }) =>
      catching.state.Type === 'Parallel' ? within.includes(catching.name) : name === catching.name,
    )
    .filter(({ state }) => /:transactWriteItems$/.test(state.Resource ?? ''));
  if (transactions.length !== 1) throw new Error(`"${choice}" judges ${transactions.length} transactions`);
  return (transactions[0] as { state: AslState }).state;
}

/**
 * What each outcome is about: a fragment of the transaction item at the position its rule reads
 * (for the transactions Lambdas build, of the item the Lambda puts there for a sample change).
 */
const outcomes: Record<string, string> = {
  'add-comment → Reject unknown article': "'article#{}'",
  'create-article → Fail with the cancellation': '$.draft.value.slugKey',
  'create-article → Is another slug worth trying?': '$.draft.value.slugKey',
  'fan-out → Favorite removed': "'favorites#{}'",
  'favorite-article → Load the article and its author and whether the caller follows them': "'favorites#{}'",
  'favorite-article → Reject unknown article': "'article#{}'",
  'favorite-article → Reject unknown caller': "'user#{}'",
  'follow-user → Reject unknown caller': "'user#{}'",
  'follow-user → Present the profile': "'following#{}'",
  'register-user → Reject taken email': '$.registration.value.emailKey',
  'register-user → Reject taken username': '$.registration.value.usernameKey',
  'unfavorite-article → Load the article': "'favorites#{}'",
  'unfavorite-article → Reject unknown article': "'article#{}'",
  'unfavorite-article → Reject unknown caller': "'user#{}'",
  'unfollow-user → Reject unknown caller': "'user#{}'",
  'update-article → Reject concurrent update': '"article#',
  'update-article → Is another slug worth trying?': '"slug#',
  'update-user → Reject concurrent update': '"user#',
  'update-user → Reject taken email': '"email#',
  'update-user → Reject taken username': '"username#',
};

/** The items update-user and update-article transact, built by their Lambdas for a sample change. */
async function builtTransactItems(workflow: string): Promise<unknown[]> {
  process.env.USERS_TABLE ??= 'users';
  process.env.ARTICLES_TABLE ??= 'articles';
  if (workflow === 'update-user') {
    const result = await validateUserUpdate({
      body: { user: { email: 'new@example.com', username: 'new-name' } },
      current: {
        pk: { S: 'user#u1' },
        id: { S: 'u1' },
        email: { S: 'old@example.com' },
        username: { S: 'old-name' },
        passwordHash: { S: 'x' },
        bio: { NULL: true },
        image: { NULL: true },
        createdAt: { S: '2026-01-01T00:00:00.000Z' },
        updatedAt: { S: '2026-01-01T00:00:00.000Z' },
        version: { N: '1' },
      },
    });
    if (!('transactItems' in result)) throw new Error(JSON.stringify(result));
    return result.transactItems;
  }
  const result = await validateArticleUpdate({
    body: { article: { title: 'A new title' } },
    current: {
      pk: { S: 'article#a1' },
      id: { S: 'a1' },
      slug: { S: 'an-old-title' },
      title: { S: 'An old title' },
      description: { S: 'd' },
      body: { S: 'b' },
      tagList: { L: [] },
      authorId: { S: 'u1' },
      createdAt: { S: '2026-01-01T00:00:00.000Z' },
      updatedAt: { S: '2026-01-01T00:00:00.000Z' },
      favoritesCount: { N: '0' },
    },
    slugAttempt: 0,
  });
  if (!('transactItems' in result)) throw new Error(JSON.stringify(result));
  return result.transactItems as unknown[];
}

describe('cancellation reasons read by position', () => {
  it('are read by the Choice states this test knows, and each outcome of the table is read', () => {
    expect(rules.length).toBeGreaterThan(0);
    expect(new Set(rules.map((rule) => `${rule.workflow} → ${rule.next}`))).toEqual(
      new Set(Object.keys(outcomes)),
    );
  });

  it.each(rules.map((rule) => [`${rule.workflow}: "${rule.choice}" → ${rule.next}`, rule] as const))(
    '%s reads the item its outcome is about',
    async (_label, rule) => {
      const asl = loaded.find(({ name }) => name === rule.workflow)?.asl as AslMachine;
      const transaction = transactionOf(asl, rule.choice);
      const parameters = transaction.Parameters as { TransactItems?: unknown[] };
      const items = parameters.TransactItems ?? (await builtTransactItems(rule.workflow));
      const item = items[rule.position];
      expect(item).toBeDefined();
      const [operation, body] =
        Object.entries(item as Record<string, { ConditionExpression?: string }>)[0] ?? [];
      // A reason other than None is possible only where the item has a condition (or is one).
      if (rule.code === 'ConditionalCheckFailed') {
        expect(operation === 'ConditionCheck' || Boolean(body?.ConditionExpression)).toBe(true);
      }
      expect(JSON.stringify(item)).toContain(outcomes[`${rule.workflow} → ${rule.next}`]);
    },
  );
});
