/**
 * The randomized workload of the convergence tests: a handful of users, then bursts of concurrent
 * commands (articles created, renamed, retagged, deleted; follows, favorites, comments and their
 * undoing), each aimed at what a model says exists. fast-check draws the commands; the model only
 * picks targets, so it need not know exactly what exists: a command on a deleted article must get
 * a 4xx, never a 500, and the oracle reads the tables, not the model.
 */
import fc from 'fast-check';
import { type ApiClient, type ApiResponse, registerUser } from '../support/runtime.ts';

/** Few tags and titles, so tag counts and slugs collide. */
const TAGS = ['alpha', 'beta', 'gamma', 'delta', 'omega'];
const TITLES = ['Hello world', 'Event storms', 'On feeds', 'Tombstones'];

/** Targets are picked by index, modulo what the model holds when the burst starts. */
export type Command =
  | { readonly kind: 'create'; readonly author: number; readonly title: string; readonly tags: string[] }
  | {
      readonly kind: 'update';
      readonly article: number;
      readonly title: string | undefined;
      readonly tags: string[] | undefined;
    }
  | { readonly kind: 'delete'; readonly article: number }
  | { readonly kind: 'follow' | 'unfollow'; readonly follower: number; readonly followee: number }
  | { readonly kind: 'favorite' | 'unfavorite' | 'comment'; readonly user: number; readonly article: number }
  | { readonly kind: 'deleteComment'; readonly comment: number };

export type CommandKind = Command['kind'];

export interface Workload {
  readonly users: number;
  readonly bursts: readonly (readonly Command[])[];
}

/**
 * Statuses a command may get whatever ran beside it; anything else (a 5xx above all) is a failure.
 * 404: the article was deleted or renamed, maybe by a command of the same burst. 403: the slug the
 * model holds now names another author's article (deleted or renamed, then its slug taken again).
 * 409: updated concurrently.
 */
const acceptedStatuses: Record<CommandKind, readonly number[]> = {
  create: [201],
  update: [200, 403, 404, 409],
  delete: [204, 403, 404],
  follow: [200],
  unfollow: [200],
  favorite: [200, 404],
  unfavorite: [200, 404],
  comment: [201, 404],
  deleteComment: [204, 403, 404],
};

const index = fc.nat({ max: 999 });
const tagList = fc.subarray(TAGS, { maxLength: 3 });

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      author: index,
      title: fc.constantFrom(...TITLES),
      tags: tagList,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      article: index,
      title: fc.option(fc.constantFrom(...TITLES), { nil: undefined }),
      tags: fc.option(tagList, { nil: undefined }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), article: index }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('follow' as const, 'unfollow' as const),
      follower: index,
      followee: index,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constantFrom('favorite' as const, 'unfavorite' as const, 'comment' as const),
      user: index,
      article: index,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteComment' as const), comment: index }) },
);

export const workloadArbitrary = (bursts: { min: number; max: number }): fc.Arbitrary<Workload> =>
  fc.record({
    users: fc.integer({ min: 4, max: 8 }),
    bursts: fc.array(fc.array(command, { minLength: 3, maxLength: 8 }), {
      minLength: bursts.min,
      maxLength: bursts.max,
    }),
  });

interface User {
  readonly username: string;
  readonly token: string;
}

/** What the workload believes exists; deleted articles stay, so later commands hit them too. */
interface ModelArticle {
  slug: string;
  readonly author: number;
}

interface ModelComment {
  readonly article: ModelArticle;
  readonly id: number;
  readonly author: number;
}

/** One command as sent, and what came back: a status, or the error of a request that got none. */
export interface Outcome {
  readonly kind: CommandKind;
  readonly request: string;
  readonly status?: number;
  readonly error?: string;
}

export interface WorkloadRun {
  readonly outcomes: readonly Outcome[];
  /** Requests that got a status outside `acceptedStatuses`, or no answer outside an interruption. */
  readonly failures: readonly Outcome[];
  /** Requests that got no answer because the server was killed under them (expected). */
  readonly interrupted: readonly Outcome[];
}

export interface RunOptions {
  /**
   * Started beside burst `burst` (after `delayMs`); the burst's requests that get no answer
   * while it runs count as interrupted. It must leave `api` pointing at a server again.
   */
  readonly interruption?: { readonly burst: number; readonly delayMs: number; run(): Promise<void> };
}

/** A command as sent: its kind may differ from the one drawn (see `send`). */
interface Sent {
  readonly kind: CommandKind;
  readonly request: string;
  readonly response: Promise<ApiResponse>;
}

const pick = <T>(items: readonly T[], at: number): T | undefined => items[at % Math.max(items.length, 1)];

/** Registers the users, then runs the bursts one after the other, the commands of a burst at once. */
export async function runWorkload(
  api: ApiClient,
  workload: Workload,
  options: RunOptions = {},
): Promise<WorkloadRun> {
  const users: User[] = await Promise.all(
    Array.from({ length: workload.users }, () => registerUser(api, 'conv')),
  );
  const articles: ModelArticle[] = [];
  const comments: ModelComment[] = [];
  const outcomes: Outcome[] = [];
  const failures: Outcome[] = [];
  const interrupted: Outcome[] = [];

  const user = (at: number) => users[at % users.length] as User;
  const create = (at: number, title: string, tags: string[]): Sent => {
    const author = at % users.length;
    const article = { title, description: 'workload', body: 'workload', tagList: tags };
    const response = api.post('/api/articles', { article }, user(author).token);
    void response.then(
      ({ status, body }) => {
        if (status === 201) articles.push({ slug: body.article.slug, author });
      },
      () => undefined,
    );
    return {
      kind: 'create',
      request: `create by ${user(author).username} ${JSON.stringify(title)} [${tags}]`,
      response,
    };
  };

  /**
   * Sends one command. A command on an article while the model knows none creates one instead;
   * one on a comment while it knows none is skipped (undefined).
   */
  const send = (command: Command): Sent | undefined => {
    switch (command.kind) {
      case 'create':
        return create(command.author, command.title, command.tags);
      case 'update': {
        const article = pick(articles, command.article);
        if (!article) return create(command.article, command.title ?? 'Untitled', command.tags ?? []);
        const changes = {
          ...(command.title === undefined ? {} : { title: command.title }),
          ...(command.tags === undefined ? {} : { tagList: command.tags }),
          ...(command.title === undefined && command.tags === undefined ? { description: 'changed' } : {}),
        };
        const response = api.put(
          `/api/articles/${article.slug}`,
          { article: changes },
          user(article.author).token,
        );
        void response.then(
          ({ status, body }) => {
            if (status === 200) article.slug = body.article.slug;
          },
          () => undefined,
        );
        return { kind: command.kind, request: `update ${article.slug} ${JSON.stringify(changes)}`, response };
      }
      case 'delete': {
        const article = pick(articles, command.article);
        if (!article) return create(command.article, 'Untitled', []);
        return {
          kind: command.kind,
          request: `delete ${article.slug}`,
          response: api.delete(`/api/articles/${article.slug}`, user(article.author).token),
        };
      }
      case 'follow':
      case 'unfollow': {
        const follower = command.follower % users.length;
        // Never oneself: that is a 422 by design, not a race.
        const followee = (follower + 1 + (command.followee % (users.length - 1))) % users.length;
        const path = `/api/profiles/${user(followee).username}/follow`;
        const token = user(follower).token;
        return {
          kind: command.kind,
          request: `${command.kind} ${user(follower).username} -> ${user(followee).username}`,
          response: command.kind === 'follow' ? api.post(path, undefined, token) : api.delete(path, token),
        };
      }
      case 'favorite':
      case 'unfavorite': {
        const article = pick(articles, command.article);
        if (!article) return create(command.user, 'Untitled', []);
        const path = `/api/articles/${article.slug}/favorite`;
        const { token, username } = user(command.user);
        return {
          kind: command.kind,
          request: `${command.kind} ${article.slug} by ${username}`,
          response: command.kind === 'favorite' ? api.post(path, undefined, token) : api.delete(path, token),
        };
      }
      case 'comment': {
        const article = pick(articles, command.article);
        if (!article) return create(command.user, 'Untitled', []);
        const author = command.user % users.length;
        const response = api.post(
          `/api/articles/${article.slug}/comments`,
          { comment: { body: 'workload' } },
          user(author).token,
        );
        void response.then(
          ({ status, body }) => {
            if (status === 201) comments.push({ article, id: body.comment.id, author });
          },
          () => undefined,
        );
        return {
          kind: command.kind,
          request: `comment on ${article.slug} by ${user(author).username}`,
          response,
        };
      }
      case 'deleteComment': {
        const comment = pick(comments, command.comment);
        if (!comment) return undefined;
        const path = `/api/articles/${comment.article.slug}/comments/${comment.id}`;
        return {
          kind: command.kind,
          request: `delete comment ${comment.id} of ${comment.article.slug}`,
          response: api.delete(path, user(comment.author).token),
        };
      }
    }
  };

  for (const [burstIndex, burst] of workload.bursts.entries()) {
    const interruption = options.interruption?.burst === burstIndex ? options.interruption : undefined;
    const settled = Promise.all(
      burst.map(async (command) => {
        const sent = send(command);
        if (!sent) return;
        const { kind, request } = sent;
        try {
          const { status } = await sent.response;
          const outcome = { kind, request, status };
          outcomes.push(outcome);
          if (!acceptedStatuses[kind].includes(status)) failures.push(outcome);
        } catch (error) {
          const outcome = { kind, request, error: errorText(error) };
          outcomes.push(outcome);
          (interruption ? interrupted : failures).push(outcome);
        }
      }),
    );
    await Promise.all([
      settled,
      interruption &&
        new Promise((resolve) => setTimeout(resolve, interruption.delayMs)).then(interruption.run),
    ]);
  }
  return { outcomes, failures, interrupted };
}

const errorText = (error: unknown): string => {
  const { message, cause } = error as Error & { cause?: { code?: string } };
  return cause?.code ? `${message} (${cause.code})` : message;
};

/** "create 12 (201: 11, 404: 1)"-style counts of the outcomes, by command. */
export function summarize(outcomes: readonly Outcome[]): string {
  const byKind = new Map<string, Map<string, number>>();
  for (const { kind, status, error } of outcomes) {
    const counts = byKind.get(kind) ?? new Map<string, number>();
    const key = status === undefined ? `no answer (${error})` : String(status);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    byKind.set(kind, counts);
  }
  return [...byKind]
    .map(([kind, counts]) => {
      const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
      return `${kind} ${total} (${[...counts].map(([key, count]) => `${key}: ${count}`).join(', ')})`;
    })
    .join('; ');
}
