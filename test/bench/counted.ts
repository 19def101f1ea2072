/**
 * The counted part of the benchmark: every route requested once, one request at a time, on a
 * runtime in read-your-writes mode (so a write's events are processed before it answers and are
 * counted with it), the reads at several page sizes. Deterministic: figures are counts, not times.
 */
import type { Runtime } from '../../local/runtime.ts';
import { type Counted, Counters } from './counters.ts';

interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the API's JSON of every shape
  readonly body: any;
}

/** JSON in, JSON out, `Authorization: Token …` (the bench runs outside jest, without test/support). */
export function apiOf(runtime: Runtime) {
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    token?: string,
    headers: Record<string, string> = {},
  ): Promise<Answer> => {
    const response = await fetch(`${runtime.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(token ? { Authorization: `Token ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    get: (path: string, token?: string) => call('GET', path, undefined, token),
    post: (path: string, body?: unknown, token?: string, headers?: Record<string, string>) =>
      call('POST', path, body, token, headers),
    put: (path: string, body?: unknown, token?: string) => call('PUT', path, body, token),
    delete: (path: string, token?: string) => call('DELETE', path, undefined, token),
  };
}

const run = Date.now().toString(36);
let names = 0;
const uniqueName = (prefix: string): string => `${prefix}${run}${(names++).toString(36)}`;

/** Registers a user; its username, email and token. */
export async function register(api: ReturnType<typeof apiOf>, prefix: string) {
  const username = uniqueName(prefix);
  const email = `${username}@example.com`;
  const response = await api.post('/api/users', { user: { username, email, password: 'password123' } });
  if (response.status !== 201) throw new Error(`register ${username}: ${response.status}`);
  return { username, email, token: response.body.user.token as string };
}

/** Runs `work` for 0…count-1, `concurrency` at a time. */
async function pool(count: number, concurrency: number, work: (index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

export interface CountedRequest {
  /** What was requested, e.g. `GET /api/articles (signed in)`. */
  readonly name: string;
  /** The route template, as schemas/routes.ts names it. */
  readonly route: string;
  readonly pageSize?: number;
  readonly status: number;
  readonly counted: Counted;
}

export interface CountedOptions {
  /** Page sizes of the list reads. */
  readonly pageSizes: readonly number[];
}

/** The data every figure reads: an author with articles, a reader who follows, favorites and comments. */
export interface Seeded {
  readonly api: ReturnType<typeof apiOf>;
  readonly author: { readonly username: string; readonly token: string };
  readonly reader: { readonly username: string; readonly token: string };
  readonly tag: string;
  /** The author's articles; the reader favorited and commented on the first. */
  readonly slugs: readonly string[];
}

export async function seed(runtime: Runtime, articles: number): Promise<Seeded> {
  const api = apiOf(runtime);
  const author = await register(api, 'author');
  const reader = await register(api, 'reader');
  const tag = uniqueName('tag');
  const follow = await api.post(`/api/profiles/${author.username}/follow`, undefined, reader.token);
  if (follow.status !== 200) throw new Error(`follow: ${follow.status}`);
  const slugs: string[] = [];
  await pool(articles, 4, async (index) => {
    const response = await api.post(
      '/api/articles',
      { article: { title: uniqueName(`Seeded ${index}`), description: 'd', body: 'b', tagList: [tag] } },
      author.token,
    );
    if (response.status !== 201) throw new Error(`seed article: ${response.status}`);
    slugs.push(response.body.article.slug);
  });
  const slug = slugs[0] ?? '';
  await api.post(`/api/articles/${slug}/favorite`, undefined, reader.token);
  await api.post(`/api/articles/${slug}/comments`, { comment: { body: 'First' } }, reader.token);
  return { api, author, reader, tag, slugs };
}

/** Requests every route once (the list reads once per page size, up to the seeded articles) and counts each. */
export async function countRequests(
  runtime: Runtime,
  seeded: Seeded,
  options: CountedOptions,
): Promise<CountedRequest[]> {
  const { api, author, reader, tag } = seeded;
  const slug = seeded.slugs[0] ?? '';
  const counters = await Counters.install(runtime);
  const results: CountedRequest[] = [];
  const count = async (
    name: string,
    route: string,
    request: () => Promise<Answer>,
    pageSize?: number,
  ): Promise<Answer> => {
    counters.take();
    const response = await request();
    results.push({
      name,
      route,
      ...(pageSize === undefined ? {} : { pageSize }),
      status: response.status,
      counted: counters.take(),
    });
    return response;
  };
  try {
    for (const size of options.pageSizes) {
      const page = `limit=${size}&offset=0`;
      await count('list, anonymous', 'GET /api/articles', () => api.get(`/api/articles?${page}`), size);
      await count(
        'list, signed in',
        'GET /api/articles',
        () => api.get(`/api/articles?${page}`, reader.token),
        size,
      );
      await count(
        'list by tag',
        'GET /api/articles',
        () => api.get(`/api/articles?tag=${tag}&${page}`, reader.token),
        size,
      );
      await count(
        'list by author',
        'GET /api/articles',
        () => api.get(`/api/articles?author=${author.username}&${page}`, reader.token),
        size,
      );
      await count(
        'feed',
        'GET /api/articles/feed',
        () => api.get(`/api/articles/feed?${page}`, reader.token),
        size,
      );
    }
    await count('favorited by', 'GET /api/articles', () =>
      api.get(`/api/articles?favorited=${reader.username}`, reader.token),
    );
    await count('article, anonymous', 'GET /api/articles/{slug}', () => api.get(`/api/articles/${slug}`));
    await count('article, signed in', 'GET /api/articles/{slug}', () =>
      api.get(`/api/articles/${slug}`, reader.token),
    );
    await count('comments', 'GET /api/articles/{slug}/comments', () =>
      api.get(`/api/articles/${slug}/comments`, reader.token),
    );
    await count('profile', 'GET /api/profiles/{username}', () =>
      api.get(`/api/profiles/${author.username}`, reader.token),
    );
    await count('tags', 'GET /api/tags', () => api.get('/api/tags'));
    await count('current user', 'GET /api/user', () => api.get('/api/user', reader.token));

    const username = uniqueName('writer');
    const registered = await count('register', 'POST /api/users', () =>
      api.post('/api/users', {
        user: { username, email: `${username}@example.com`, password: 'password123' },
      }),
    );
    const writer = registered.body?.user?.token as string;
    await count('login', 'POST /api/users/login', () =>
      api.post('/api/users/login', {
        user: { email: `${username}@example.com`, password: 'password123' },
      }),
    );
    await count('update user', 'PUT /api/user', () =>
      api.put('/api/user', { user: { bio: 'Counted' } }, writer),
    );
    await count('follow', 'POST /api/profiles/{username}/follow', () =>
      api.post(`/api/profiles/${username}/follow`, undefined, reader.token),
    );
    const created = await count('create article', 'POST /api/articles', () =>
      api.post(
        '/api/articles',
        { article: { title: uniqueName('Counted'), description: 'd', body: 'b', tagList: [tag] } },
        writer,
      ),
    );
    const own = created.body?.article?.slug as string;
    // The same write sent with an Idempotency-Key, then again: what the key adds, and what a replay costs.
    const keyed = {
      article: { title: uniqueName('Counted keyed'), description: 'd', body: 'b', tagList: [tag] },
    };
    const key = { 'Idempotency-Key': uniqueName('counted-key') };
    await count('create article, keyed', 'POST /api/articles', () =>
      api.post('/api/articles', keyed, writer, key),
    );
    await count('create article, replayed', 'POST /api/articles', () =>
      api.post('/api/articles', keyed, writer, key),
    );
    await count('update article', 'PUT /api/articles/{slug}', () =>
      api.put(`/api/articles/${own}`, { article: { body: 'Changed' } }, writer),
    );
    await count('favorite', 'POST /api/articles/{slug}/favorite', () =>
      api.post(`/api/articles/${own}/favorite`, undefined, reader.token),
    );
    await count('unfavorite', 'DELETE /api/articles/{slug}/favorite', () =>
      api.delete(`/api/articles/${own}/favorite`, reader.token),
    );
    const comment = await count('add comment', 'POST /api/articles/{slug}/comments', () =>
      api.post(`/api/articles/${own}/comments`, { comment: { body: 'Counted' } }, reader.token),
    );
    await count('delete comment', 'DELETE /api/articles/{slug}/comments/{id}', () =>
      api.delete(`/api/articles/${own}/comments/${comment.body?.comment?.id}`, reader.token),
    );
    await count('unfollow', 'DELETE /api/profiles/{username}/follow', () =>
      api.delete(`/api/profiles/${username}/follow`, reader.token),
    );
    await count('delete article', 'DELETE /api/articles/{slug}', () =>
      api.delete(`/api/articles/${own}`, writer),
    );
  } finally {
    counters.uninstall();
  }
  return results;
}

export interface AuthorizerSession {
  /** What was requested, e.g. `GET /api/user`, and whether its authorizer is the cached one. */
  readonly route: string;
  readonly cached: boolean;
  readonly requests: number;
  /** Invocations of the authorizer function those requests caused. */
  readonly invocations: number;
}

/**
 * What the authorizer cache saves a signed-in session: the same token on two required routes and an
 * optional one, `requests` times each, from an empty cache (as after a cold start of the stage).
 */
export async function countAuthorizerSession(
  runtime: Runtime,
  seeded: Seeded,
  requests = 10,
): Promise<AuthorizerSession[]> {
  const { api, reader } = seeded;
  const counters = await Counters.install(runtime);
  runtime.authorizerCache.flush();
  const session: AuthorizerSession[] = [];
  try {
    for (const [route, path, cached] of [
      ['GET /api/user', '/api/user', true],
      ['GET /api/articles/feed', '/api/articles/feed', true],
      ['GET /api/articles', '/api/articles', false],
    ] as const) {
      counters.take();
      for (let n = 0; n < requests; n++) {
        const response = await api.get(path, reader.token);
        if (response.status !== 200) throw new Error(`${route}: ${response.status}`);
      }
      const invocations = counters.take().request.lambdas.authorizer?.invocations ?? 0;
      session.push({ route, cached, requests, invocations });
    }
  } finally {
    counters.uninstall();
  }
  return session;
}
