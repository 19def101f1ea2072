/**
 * Demo data through the public API: users with bios, articles with tags, follows, favorites and
 * comments, written by @faker-js/faker from a seed. The plan depends only on the seed and the sizes,
 * so a second run finds everything in place: an existing user logs in instead of registering, and
 * an article (by title and author), follow, favorite or comment that exists is left alone.
 * `npm run seed` (ops/seed-cli.ts) drives it; the benchmark can reuse `seedPlan` and `seed`.
 */
import { en, Faker, base as fakerBase } from '@faker-js/faker';
import { inParallel } from './in-parallel.ts';

/** Every demo user's password: any of them can log in to look around. */
export const DEMO_PASSWORD = 'conduit-demo';

export interface SeedSize {
  readonly users: number;
  readonly articles: number;
}

export interface DemoUser {
  readonly username: string;
  readonly email: string;
  readonly bio: string;
}

export interface DemoArticle {
  /** Index of its author in `users`. */
  readonly author: number;
  readonly title: string;
  readonly description: string;
  readonly body: string;
  readonly tagList: readonly string[];
}

export interface SeedPlan {
  readonly users: readonly DemoUser[];
  readonly articles: readonly DemoArticle[];
  /** [follower, followee], indexes in `users`. */
  readonly follows: readonly (readonly [number, number])[];
  /** [user, article] */
  readonly favorites: readonly (readonly [number, number])[];
  readonly comments: readonly { readonly author: number; readonly article: number; readonly body: string }[];
}

const MAX_FOLLOWS_PER_USER = 3;
const MAX_FAVORITES_PER_ARTICLE = 5;
const MAX_COMMENTS_PER_ARTICLE = 3;
const TAG_POOL_SIZE = 12;

/** Draws `count` distinct values (fewer when `draw` cannot make that many). */
function distinct<T>(count: number, draw: () => T): T[] {
  const values = new Set<T>();
  for (let tries = 0; values.size < count && tries < count * 20; tries++) values.add(draw());
  return [...values];
}

/** What to write: the same plan for the same seed and sizes. */
export function seedPlan(size: SeedSize, seed = 1): SeedPlan {
  const faker = new Faker({ locale: [en, fakerBase], seed });
  const userCount = Math.max(1, size.users);
  const usernames = new Set<string>();
  const users = Array.from({ length: userCount }, (_, index) => {
    const name = faker.internet
      .username()
      .toLowerCase()
      .replace(/[^a-z0-9_.-]/g, '');
    const username = usernames.has(name) ? `${name}${index}` : name;
    usernames.add(username);
    return { username, email: `${username}@example.com`, bio: faker.person.bio() };
  });
  const tags = distinct(TAG_POOL_SIZE, () => faker.hacker.noun().toLowerCase().replace(/\s+/g, '-'));
  const titles = new Set<string>();
  const articles = Array.from({ length: size.articles }, () => {
    let title = faker.company.catchPhrase();
    while (titles.has(title)) title = `${faker.company.catchPhrase()}: ${faker.hacker.noun()}`;
    titles.add(title);
    const paragraphs = faker.helpers.multiple(
      () => faker.helpers.multiple(() => faker.hacker.phrase(), { count: { min: 2, max: 4 } }).join(' '),
      { count: { min: 2, max: 5 } },
    );
    return {
      author: faker.number.int({ min: 0, max: userCount - 1 }),
      title,
      description: faker.hacker.phrase(),
      body: paragraphs.join('\n\n'),
      tagList: faker.helpers.arrayElements(tags, { min: 1, max: 3 }).sort(),
    };
  });
  const others = (user: number) => users.map((_, index) => index).filter((index) => index !== user);
  const follows = users.flatMap((_, follower) =>
    faker.helpers
      .arrayElements(others(follower), { min: 0, max: MAX_FOLLOWS_PER_USER })
      .map((followee) => [follower, followee] as const),
  );
  const everyone = users.map((_, index) => index);
  const favorites = articles.flatMap((_, article) =>
    faker.helpers
      .arrayElements(everyone, { min: 0, max: MAX_FAVORITES_PER_ARTICLE })
      .map((user) => [user, article] as const),
  );
  const comments = articles.flatMap((_, article) =>
    faker.helpers.multiple(
      () => ({
        author: faker.helpers.arrayElement(everyone),
        article,
        body: faker.hacker.phrase(),
      }),
      { count: { min: 0, max: MAX_COMMENTS_PER_ARTICLE } },
    ),
  );
  return { users, articles, follows, favorites, comments };
}

export interface SeedCounts {
  created: number;
  existing: number;
}

export interface SeedReport {
  readonly users: SeedCounts;
  readonly articles: SeedCounts;
  readonly follows: SeedCounts;
  readonly favorites: SeedCounts;
  readonly comments: SeedCounts;
}

export type SeedStage = keyof SeedReport;

export interface SeedOptions extends SeedSize {
  /** The API root, ending in `/api`. */
  readonly baseUrl: string;
  readonly seed?: number;
  /** Requests at a time. */
  readonly concurrency?: number;
  /** Called once per planned item, done or found. */
  readonly onProgress?: (stage: SeedStage) => void;
}

/** Number of items `seed` goes through for a plan: its progress total. */
export const planSize = (plan: SeedPlan): number =>
  plan.users.length +
  plan.articles.length +
  plan.follows.length +
  plan.favorites.length +
  plan.comments.length;

/** Answers that mean "try again shortly": API Gateway's throttling and the API's 503. */
const RETRIED_STATUSES = new Set([429, 503]);
const ATTEMPTS = 4;

interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: RealWorld bodies of every shape
  readonly body: any;
}

export class SeedError extends Error {}

function client(baseUrl: string) {
  const root = baseUrl.replace(/\/+$/, '');
  return async (method: string, path: string, token?: string, body?: unknown): Promise<Answer> => {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(`${root}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...(token ? { Authorization: `Token ${token}` } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (RETRIED_STATUSES.has(response.status) && attempt < ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
        continue;
      }
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    }
  };
}

/** Fails the seed with what the API said (never a token or a password: the path and the body only). */
function expectStatus(answer: Answer, expected: number, what: string): Answer {
  if (answer.status !== expected) {
    throw new SeedError(`${what}: expected ${expected}, got ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  return answer;
}

const counts = (): SeedCounts => ({ created: 0, existing: 0 });

/** Writes the plan of `options.seed` and sizes through the API; what exists already is counted as such. */
export async function seed(options: SeedOptions): Promise<SeedReport> {
  const plan = seedPlan(options, options.seed);
  const call = client(options.baseUrl);
  const concurrency = options.concurrency ?? 4;
  const report: SeedReport = {
    users: counts(),
    articles: counts(),
    follows: counts(),
    favorites: counts(),
    comments: counts(),
  };
  const done = (stage: SeedStage, created: boolean) => {
    report[stage][created ? 'created' : 'existing']++;
    options.onProgress?.(stage);
  };

  const tokens: string[] = [];
  await inParallel(
    [...plan.users.keys()],
    async (index) => {
      const user = plan.users[index] as DemoUser;
      const registered = await call('POST', '/users', undefined, {
        user: { username: user.username, email: user.email, password: DEMO_PASSWORD },
      });
      if (registered.status === 201) {
        const token = registered.body.user.token as string;
        expectStatus(
          await call('PUT', '/user', token, { user: { bio: user.bio } }),
          200,
          `bio of ${user.username}`,
        );
        tokens[index] = token;
        return done('users', true);
      }
      expectStatus(registered, 409, `register ${user.username}`);
      const login = expectStatus(
        await call('POST', '/users/login', undefined, {
          user: { email: user.email, password: DEMO_PASSWORD },
        }),
        200,
        `log in as ${user.username} (registered earlier with another password?)`,
      );
      tokens[index] = login.body.user.token as string;
      done('users', false);
    },
    concurrency,
  );
  const tokenOf = (user: number) => tokens[user] as string;

  // Existing articles by author and title (titles are unique in a plan; slugs may carry a suffix).
  const slugs: string[] = [];
  const authors = [...new Set(plan.articles.map((article) => article.author))];
  const existing = new Map<string, string>();
  await inParallel(
    authors,
    async (author) => {
      const username = (plan.users[author] as DemoUser).username;
      for (let offset = 0; ; offset += 100) {
        const page = expectStatus(
          await call('GET', `/articles?author=${encodeURIComponent(username)}&limit=100&offset=${offset}`),
          200,
          `articles of ${username}`,
        ).body as { articles: { title: string; slug: string }[]; articlesCount: number };
        for (const article of page.articles) existing.set(`${author} ${article.title}`, article.slug);
        if (offset + 100 >= page.articlesCount) break;
      }
    },
    concurrency,
  );
  await inParallel(
    [...plan.articles.keys()],
    async (index) => {
      const article = plan.articles[index] as DemoArticle;
      const found = existing.get(`${article.author} ${article.title}`);
      if (found) {
        slugs[index] = found;
        return done('articles', false);
      }
      const { author, ...fields } = article;
      const created = expectStatus(
        await call('POST', '/articles', tokenOf(author), { article: fields }),
        201,
        `article "${article.title}"`,
      );
      slugs[index] = created.body.article.slug as string;
      done('articles', true);
    },
    concurrency,
  );
  const slugOf = (article: number) => encodeURIComponent(slugs[article] as string);

  await inParallel(
    plan.follows,
    async ([follower, followee]) => {
      const path = `/profiles/${encodeURIComponent((plan.users[followee] as DemoUser).username)}`;
      const profile = expectStatus(await call('GET', path, tokenOf(follower)), 200, `profile ${path}`);
      if (profile.body.profile.following) return done('follows', false);
      expectStatus(await call('POST', `${path}/follow`, tokenOf(follower)), 200, `follow ${path}`);
      done('follows', true);
    },
    concurrency,
  );

  await inParallel(
    plan.favorites,
    async ([user, article]) => {
      const path = `/articles/${slugOf(article)}`;
      const current = expectStatus(await call('GET', path, tokenOf(user)), 200, `article ${path}`);
      if (current.body.article.favorited) return done('favorites', false);
      expectStatus(await call('POST', `${path}/favorite`, tokenOf(user)), 200, `favorite ${path}`);
      done('favorites', true);
    },
    concurrency,
  );

  // One read of each article's comments; a planned comment is there when its author said the same.
  const commented = [...new Set(plan.comments.map((comment) => comment.article))];
  const present = new Map<number, { author: string; body: string }[]>();
  await inParallel(
    commented,
    async (article) => {
      const answer = expectStatus(
        await call('GET', `/articles/${slugOf(article)}/comments`),
        200,
        `comments of ${slugs[article]}`,
      );
      present.set(
        article,
        (answer.body.comments as { body: string; author: { username: string } }[]).map((comment) => ({
          author: comment.author.username,
          body: comment.body,
        })),
      );
    },
    concurrency,
  );
  await inParallel(
    plan.comments,
    async (comment) => {
      const author = (plan.users[comment.author] as DemoUser).username;
      const there = present.get(comment.article) ?? [];
      const match = there.findIndex((other) => other.author === author && other.body === comment.body);
      if (match >= 0) {
        there.splice(match, 1); // the same comment planned twice is written twice
        return done('comments', false);
      }
      expectStatus(
        await call('POST', `/articles/${slugOf(comment.article)}/comments`, tokenOf(comment.author), {
          comment: { body: comment.body },
        }),
        201,
        `comment on ${slugs[comment.article]}`,
      );
      done('comments', true);
    },
    concurrency,
  );
  return report;
}
