/**
 * Idempotency-Key over real HTTP (beyond the spec; docs/idempotency.md): on every workflow route a keyed
 * request sent again answers as the first did and writes nothing more; a key is the caller's, bound to
 * one request, busy while its request runs, released by a 503 that wrote nothing (a conflict, or a
 * service refusing a step before the write, past the retries), kept by any other failure, and
 * forgotten once it expires or its running request's lease passes. Unkeyed requests are as before.
 */
import { randomUUID } from 'node:crypto';
import { UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { idempotencyItemKey } from '../../lambdas/shared/keys.ts';
import { slugify } from '../../lambdas/shared/slugs.ts';
import { parseFaultSpec } from '../../local/faults.ts';
import { IDEMPOTENCY_KEY_HEADER, LEASE_SECONDS, RUN_STATE } from '../../schemas/idempotency-frame.ts';
import {
  executionHeader,
  type HttpMethod,
  type Route,
  routes,
  serviceUnavailable,
} from '../../schemas/routes.ts';
import { userIdOf } from '../support/articles.ts';
import { type ApiResponse, registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';

const { api, db, runtime } = useTestRuntime();

type User = Awaited<ReturnType<typeof registerUser>>;

const keyError = (message: string) => ({ errors: { 'Idempotency-Key': [message] } });
const UNUSABLE = keyError('must be 1 to 255 visible ASCII characters');
const REUSED = keyError('was used with a different request');
const BUSY = keyError('is in use by a request still running, retry shortly');
const CONFLICTED = { errors: { request: ['conflicted with concurrent changes, retry shortly'] } };
const ARTICLE_NOT_FOUND = { errors: { article: ['not found'] } };
const SERVICE = serviceUnavailable.body;

const newKey = (): string => randomUUID();

interface Request {
  readonly method: HttpMethod;
  readonly path: string;
  readonly body?: unknown;
  readonly token?: string;
}

/** Sends a request, with the key when one is given (`''` sends an empty header). */
const send = (request: Request, key?: string): Promise<ApiResponse> =>
  api.raw(
    request.method,
    request.path,
    request.body,
    request.token,
    key === undefined ? {} : { [IDEMPOTENCY_KEY_HEADER]: key },
  );

type Answer = Pick<ApiResponse, 'status' | 'body'>;
const answer = ({ status, body }: ApiResponse): Answer => ({ status, body });

/** Sends a request whose answer the OpenAPI document leaves out (a 500), which the API client refuses. */
async function sendUndocumented(request: Request, key: string): Promise<Answer> {
  const response = await fetch(`${runtime().url}${request.path}`, {
    method: request.method,
    headers: {
      'Content-Type': 'application/json',
      [IDEMPOTENCY_KEY_HEADER]: key,
      ...(request.token ? { Authorization: `Token ${request.token}` } : {}),
    },
    body: JSON.stringify(request.body),
  });
  return { status: response.status, body: await response.json() };
}

/** The states the execution behind a workflow route's response went through. */
const statesOf = (response: ApiResponse): string[] =>
  runtime()
    .workflows.executions.get(response.headers.get(executionHeader) ?? '')
    ?.states.map(({ name }) => name) ?? [];

/** Every item of the data tables (the kept outcomes aside): equal before and after means nothing was written. */
async function snapshot(): Promise<Record<string, unknown[]>> {
  const tables = Object.entries(runtime().tableNames).filter(([id]) => id !== 'Idempotency');
  const items: Record<string, unknown[]> = {};
  for (const [id, TableName] of tables) {
    const all: unknown[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await db().send(new ScanCommand({ TableName, ExclusiveStartKey }));
      all.push(...(page.Items ?? []));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    items[id] = all.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  return items;
}

const articleBody = (title = uniqueName('Keyed ')) => ({ article: { title, description: 'd', body: 'b' } });
const createRequest = (author: User, body: unknown = articleBody()): Request => ({
  method: 'POST',
  path: '/api/articles',
  body,
  token: author.token,
});

async function publish(author: User, title?: string): Promise<string> {
  const response = await send(createRequest(author, articleBody(title)));
  expect(response.status).toBe(201);
  return response.body.article.slug as string;
}

const articlesBy = async (author: User): Promise<number> =>
  (await api.get(`/api/articles?author=${author.username}`)).body.articlesCount;
/** Whether the reader follows the user, as their profile says. */
const followingOf = async (username: string, token: string): Promise<boolean> =>
  (await api.get(`/api/profiles/${username}`, token)).body.profile.following;

const favoritesOf = async (slug: string): Promise<number> =>
  (await api.get(`/api/articles/${slug}`)).body.article.favoritesCount;

/** The item of a user's key in the Idempotency table. */
const outcomeKey = async (user: User, key: string) => ({
  pk: idempotencyItemKey(await userIdOf(db(), runtime(), user.username), key),
});

// ---------------------------------------------------------------------------------------------
// Every workflow route

/** A successful request of a route and what it writes, as the API shows it. */
interface Prepared {
  readonly token?: string;
  /** Values of the route's `{name}` path parameters. */
  readonly params?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly written: () => Promise<unknown>;
  /** What `written` shows once the request ran. */
  readonly once: unknown;
}

const workflowRoutes = routes.flatMap((route) =>
  'workflow' in route.target ? [{ ...route, target: route.target }] : [],
);

/** Per workflow: makes what one successful request of its route needs. */
const cases: Readonly<Record<string, () => Promise<Prepared>>> = {
  'register-user': async () => {
    const username = uniqueName('keyed');
    return {
      body: { user: { username, email: `${username}@example.com`, password: 'password123' } },
      written: async () => (await api.get(`/api/profiles/${username}`)).status,
      once: 200,
    };
  },
  'update-user': async () => {
    const user = await registerUser(api, 'keyed');
    const bio = uniqueName('bio ');
    return {
      token: user.token,
      body: { user: { bio } },
      written: async () => (await api.get('/api/user', user.token)).body.user.bio,
      once: bio,
    };
  },
  'create-article': async () => {
    const author = await registerUser(api, 'keyed');
    return { token: author.token, body: articleBody(), written: () => articlesBy(author), once: 1 };
  },
  'update-article': async () => {
    const author = await registerUser(api, 'keyed');
    const slug = await publish(author);
    return {
      token: author.token,
      params: { slug },
      body: { article: { body: 'changed once' } },
      written: async () => (await api.get(`/api/articles/${slug}`)).body.article.body,
      once: 'changed once',
    };
  },
  'delete-article': async () => {
    const author = await registerUser(api, 'keyed');
    const slug = await publish(author);
    return {
      token: author.token,
      params: { slug },
      written: async () => [(await api.get(`/api/articles/${slug}`)).status, await articlesBy(author)],
      once: [404, 0],
    };
  },
  'favorite-article': async () => {
    const [author, reader] = await Promise.all([registerUser(api, 'keyed'), registerUser(api, 'keyed')]);
    const slug = await publish(author);
    return { token: reader.token, params: { slug }, written: () => favoritesOf(slug), once: 1 };
  },
  'unfavorite-article': async () => {
    const [author, ...readers] = await Promise.all([1, 2, 3].map(() => registerUser(api, 'keyed')));
    if (!author) throw new Error('no author');
    const slug = await publish(author);
    for (const reader of readers) {
      expect((await api.post(`/api/articles/${slug}/favorite`, undefined, reader.token)).status).toBe(200);
    }
    return { token: readers[0]?.token, params: { slug }, written: () => favoritesOf(slug), once: 1 };
  },
  'follow-user': async () => {
    const [followee, reader] = await Promise.all([registerUser(api, 'keyed'), registerUser(api, 'keyed')]);
    return {
      token: reader.token,
      params: { username: followee.username },
      written: () => followingOf(followee.username, reader.token),
      once: true,
    };
  },
  'unfollow-user': async () => {
    const [followee, reader] = await Promise.all([registerUser(api, 'keyed'), registerUser(api, 'keyed')]);
    const follow = `/api/profiles/${followee.username}/follow`;
    expect((await api.post(follow, undefined, reader.token)).status).toBe(200);
    return {
      token: reader.token,
      params: { username: followee.username },
      written: () => followingOf(followee.username, reader.token),
      once: false,
    };
  },
  'add-comment': async () => {
    const author = await registerUser(api, 'keyed');
    const slug = await publish(author);
    return {
      token: author.token,
      params: { slug },
      body: { comment: { body: 'said once' } },
      written: async () => (await api.get(`/api/articles/${slug}/comments`)).body.comments.length,
      once: 1,
    };
  },
  'delete-comment': async () => {
    const author = await registerUser(api, 'keyed');
    const slug = await publish(author);
    const comments = `/api/articles/${slug}/comments`;
    for (const body of ['kept', 'deleted']) {
      expect((await api.post(comments, { comment: { body } }, author.token)).status).toBe(201);
    }
    return {
      token: author.token,
      params: { slug, id: '2' },
      written: async () =>
        ((await api.get(comments)).body.comments as { body: string }[]).map(({ body }) => body),
      once: ['kept'],
    };
  },
};

describe('every workflow route', () => {
  it('has a case here', () => {
    expect(Object.keys(cases).sort()).toEqual(workflowRoutes.map(({ target }) => target.workflow).sort());
  });

  it.each(workflowRoutes.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s: the same keyed request again answers the same status and body, and writes nothing',
    async (_, route: Route & { target: { workflow: string; successStatus: number } }) => {
      const prepare = cases[route.target.workflow];
      if (!prepare) throw new Error(`no case for ${route.target.workflow}`);
      const prepared = await prepare();
      const request: Request = {
        method: route.method,
        path: route.path.replace(/\{(\w+)\}/g, (_, name: string) => prepared.params?.[name] ?? ''),
        body: prepared.body,
        token: prepared.token,
      };
      const key = newKey();
      const first = await send(request, key);
      expect(first.status).toBe(route.target.successStatus);
      const written = await snapshot();
      const again = await send(request, key);
      expect(answer(again)).toEqual(answer(first));
      expect(await snapshot()).toEqual(written);
      expect(await prepared.written()).toEqual(prepared.once);
      expect(statesOf(again)).toContain('Replay the first response');
      expect(statesOf(again)).not.toContain(RUN_STATE);
    },
  );
});

// ---------------------------------------------------------------------------------------------

describe('Idempotency-Key', () => {
  it('used with another body, path, query or route is a 422, and nothing is written', async () => {
    const author = await registerUser(api, 'keyed');
    const [one, two] = [await publish(author), await publish(author)];
    const key = newKey();
    const favorite = (slug: string): Request => ({
      method: 'POST',
      path: `/api/articles/${slug}/favorite`,
      token: author.token,
    });
    expect((await send(favorite(one), key)).status).toBe(200);
    const before = await snapshot();
    const reused = [
      await send(favorite(two), key),
      await send({ ...favorite(one), path: `${favorite(one).path}?again=1` }, key),
      await send({ ...favorite(one), method: 'DELETE' }, key),
      await send({ ...createRequest(author), body: articleBody(one) }, key),
    ];
    expect(reused.map(answer)).toEqual(reused.map(() => ({ status: 422, body: REUSED })));
    expect(await snapshot()).toEqual(before);
  });

  it('replays whatever the order of the body object keys, not of its arrays', async () => {
    const author = await registerUser(api, 'keyed');
    const title = uniqueName('Ordered ');
    const key = newKey();
    const article = (tagList: string[]) => ({ article: { title, description: 'd', body: 'b', tagList } });
    const first = await send(createRequest(author, article(['one', 'two'])), key);
    expect(first.status).toBe(201);
    const reordered = await send(
      createRequest(author, { article: { tagList: ['one', 'two'], body: 'b', description: 'd', title } }),
      key,
    );
    expect(answer(reordered)).toEqual(answer(first));
    expect(answer(await send(createRequest(author, article(['two', 'one'])), key))).toEqual({
      status: 422,
      body: REUSED,
    });
    expect(await articlesBy(author)).toBe(1);
  });

  it("is the caller's: the same key by two users runs twice", async () => {
    const [one, two] = await Promise.all([registerUser(api, 'keyed'), registerUser(api, 'keyed')]);
    const key = newKey();
    const body = articleBody();
    const answers = [await send(createRequest(one, body), key), await send(createRequest(two, body), key)];
    expect(answers.map(({ status, body }) => [status, body.article.author.username])).toEqual([
      [201, one.username],
      [201, two.username],
    ]);
    expect([await articlesBy(one), await articlesBy(two)]).toEqual([1, 1]);
  });

  it('sent twice at once runs once: the other answer is the busy 409 or the replay', async () => {
    const author = await registerUser(api, 'keyed');
    const request = createRequest(author);
    const key = newKey();
    const answers = (await Promise.all([send(request, key), send(request, key)])).map(answer);
    const created = answers.find(({ status }) => status === 201);
    if (!created) throw new Error(`no 201 among ${JSON.stringify(answers)}`);
    const other = answers[answers.indexOf(created) === 0 ? 1 : 0];
    expect([{ status: 409, body: BUSY }, created]).toContainEqual(other);
    expect(await articlesBy(author)).toBe(1);
  });

  it('replays a business error even once its cause is gone', async () => {
    const [author, reader] = await Promise.all([registerUser(api, 'keyed'), registerUser(api, 'keyed')]);
    const title = uniqueName('Later ');
    const favorite: Request = {
      method: 'POST',
      path: `/api/articles/${slugify(title)}/favorite`,
      token: reader.token,
    };
    const key = newKey();
    expect(answer(await send(favorite, key))).toEqual({ status: 404, body: ARTICLE_NOT_FOUND });
    expect(await publish(author, title)).toBe(slugify(title));
    const again = await send(favorite, key);
    expect(answer(again)).toEqual({ status: 404, body: ARTICLE_NOT_FOUND });
    expect(statesOf(again)).toContain('Replay the first failure');
    expect(await favoritesOf(slugify(title))).toBe(0);

    const invalid = createRequest(author, { article: { title: '', description: 'd', body: 'b' } });
    const refused = await send(invalid, key.toUpperCase());
    expect(refused.status).toBe(422);
    const refusedAgain = await send(invalid, key.toUpperCase());
    expect(answer(refusedAgain)).toEqual(answer(refused));
    expect(statesOf(refusedAgain)).toContain('Replay the first failure');
  });

  it.each([
    ['conflicts on every attempt of the write', 'Save favorite and count it:TransactionConflict', CONFLICTED],
    ['DynamoDB refusing a read before the write', 'Find the article by slug:ThrottlingException', SERVICE],
  ])(
    'is released by a 503 (%s): sent again, the request runs afresh and writes once',
    async (_, fault, body) => {
      const [author, reader] = await Promise.all([registerUser(api, 'keyed'), registerUser(api, 'keyed')]);
      const slug = await publish(author);
      const favorite: Request = {
        method: 'POST',
        path: `/api/articles/${slug}/favorite`,
        token: reader.token,
      };
      const key = newKey();
      runtime().faults.set(parseFaultSpec(`dynamodb#favorite-article/${fault}`));
      let unavailable: ApiResponse;
      try {
        unavailable = await send(favorite, key);
      } finally {
        runtime().faults.clear();
      }
      expect(answer(unavailable)).toEqual({ status: 503, body });
      expect(await favoritesOf(slug)).toBe(0);
      const retried = await send(favorite, key);
      expect(retried.status).toBe(200);
      expect(retried.body.article).toMatchObject({ favorited: true, favoritesCount: 1 });
      expect(answer(await send(favorite, key))).toEqual(answer(retried));
      expect(await favoritesOf(slug)).toBe(1);
    },
  );

  it.each([
    ['create-article', 'Present the new article', () => registerUser(api, 'keyed').then(createRequest)],
    [
      'register-user',
      'Issue token',
      async (): Promise<Request> => {
        const username = uniqueName('keyed');
        const user = { username, email: `${username}@example.com`, password: 'password123' };
        return { method: 'POST', path: '/api/users', body: { user } };
      },
    ],
  ] as const)(
    'is kept by a failure after the write (%s: "%s" fails), which is replayed, not run again',
    async (workflow, state, prepare) => {
      const request = await prepare();
      const key = newKey();
      runtime().faults.set(parseFaultSpec(`lambda#${workflow}/${state}:timeout*1`));
      let failed: Answer;
      try {
        failed = await sendUndocumented(request, key);
      } finally {
        runtime().faults.clear();
      }
      expect(failed).toEqual({ status: 500, body: { errors: { server: ['internal error'] } } });
      const written = await snapshot();
      expect(await sendUndocumented(request, key)).toEqual(failed);
      expect(await snapshot()).toEqual(written);
    },
  );

  it("whose outcome DynamoDB refuses to keep: the answer is the request's own, and the key stays busy", async () => {
    const author = await registerUser(api, 'keyed');
    const request = createRequest(author);
    const key = newKey();
    // Any error will do (the Catch takes all): one the Retry does not wait for.
    runtime().faults.set(parseFaultSpec('dynamodb#create-article/Keep the outcome:TransactionConflict'));
    let created: ApiResponse;
    try {
      created = await send(request, key);
    } finally {
      runtime().faults.clear();
    }
    expect(created.status).toBe(201);
    expect(created.body.article.author.username).toBe(author.username);
    expect(answer(await send(request, key))).toEqual({ status: 409, body: BUSY });
    expect(await articlesBy(author)).toBe(1);
  });

  it('may be sent by browsers (CORS)', async () => {
    const response = await fetch(`${runtime().url}/api/articles`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:4200',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type, idempotency-key',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-headers')).toContain(IDEMPOTENCY_KEY_HEADER);
  });

  it.each([
    ['256 characters', 'k'.repeat(256)],
    ['a space', 'two words'],
    ['a non-ASCII character', 'clé'],
  ])('of %s is a 422, and nothing is written', async (_, key) => {
    const author = await registerUser(api, 'keyed');
    expect(answer(await send(createRequest(author), key))).toEqual({ status: 422, body: UNUSABLE });
    expect(await articlesBy(author)).toBe(0);
  });

  it('of 255 visible characters is used; an empty one is no key', async () => {
    const author = await registerUser(api, 'keyed');
    const request = createRequest(author);
    // Every visible character, quotes and backslashes included (the request template escapes them).
    const visible = Array.from({ length: 0x7e - 0x20 }, (_, index) => String.fromCharCode(0x21 + index)).join(
      '',
    );
    const longest = visible.repeat(3).slice(0, 255);
    const first = await send(request, longest);
    expect(first.status).toBe(201);
    expect(answer(await send(request, longest))).toEqual(answer(first));
    const unkeyed = [await send(request, ''), await send(request, '')];
    expect(unkeyed.map(({ status }) => status)).toEqual([201, 201]);
    expect(new Set([first, ...unkeyed].map(({ body }) => body.article.slug)).size).toBe(3);
    expect(await articlesBy(author)).toBe(3);
  });

  it('replays a registration, token included; another password under the key is a 422', async () => {
    const username = uniqueName('keyed');
    const user = { username, email: `${username}@example.com`, password: 'password123' };
    const register = (password: string): Request => ({
      method: 'POST',
      path: '/api/users',
      body: { user: { ...user, password } },
    });
    const key = newKey();
    const first = await send(register(user.password), key);
    expect(first.status).toBe(201);
    expect(first.body.user.token).toEqual(expect.any(String));
    expect(answer(await send(register(user.password), key))).toEqual(answer(first));
    expect(answer(await send(register('another password'), key))).toEqual({ status: 422, body: REUSED });
    const login = await api.post('/api/users/login', {
      user: { email: user.email, password: user.password },
    });
    expect(login.status).toBe(200);
  });

  it('is ignored by login and reads, which write nothing', async () => {
    const user = await registerUser(api, 'keyed');
    const credentials = { user: { email: user.email, password: user.password } };
    const unusable = { [IDEMPOTENCY_KEY_HEADER]: 'not a key' };
    const answers = [
      await api.raw('POST', '/api/users/login', credentials, undefined, unusable),
      await api.raw('GET', '/api/user', undefined, user.token, unusable),
    ];
    expect(answers.map(({ status }) => status)).toEqual([200, 200]);
  });

  it('absent, requests are as before: the same one twice runs twice, and no outcome is kept', async () => {
    const author = await registerUser(api, 'unkeyed');
    const kept = async () =>
      (await db().send(new ScanCommand({ TableName: runtime().tableNames.Idempotency, Select: 'COUNT' })))
        .Count;
    const before = await kept();
    const request = createRequest(author);
    const answers = [await send(request), await send(request)];
    expect(answers.map(({ status }) => status)).toEqual([201, 201]);
    expect(answers[1]?.body.article.slug).not.toBe(answers[0]?.body.article.slug);
    expect(await articlesBy(author)).toBe(2);
    expect(await kept()).toBe(before);
  });
});

describe('a kept outcome', () => {
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  /** Changes attributes of a key's item in the Idempotency table, as time passing would. */
  async function age(user: User, key: string, values: Record<string, unknown>) {
    const names = Object.keys(values);
    const Key = await outcomeKey(user, key);
    const { Item } = await db().send(new GetCommand({ TableName: runtime().tableNames.Idempotency, Key }));
    expect(Item).toBeDefined();
    await db().send(
      new UpdateCommand({
        TableName: runtime().tableNames.Idempotency,
        Key,
        UpdateExpression: `SET ${names.map((_, index) => `#n${index} = :v${index}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, index) => [`#n${index}`, name])),
        ExpressionAttributeValues: Object.fromEntries(
          names.map((name, index) => [`:v${index}`, values[name]]),
        ),
      }),
    );
  }

  it('past its expiry is absent, though TTL has not deleted it: the request runs afresh', async () => {
    const author = await registerUser(api, 'keyed');
    const request = createRequest(author);
    const key = newKey();
    const first = await send(request, key);
    expect(first.status).toBe(201);
    // DynamoDB Local's TTL would delete the item within seconds; in AWS it lags for up to days.
    const deletionLags = (Enabled: boolean) =>
      db().send(
        new UpdateTimeToLiveCommand({
          TableName: runtime().tableNames.Idempotency,
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled },
        }),
      );
    await deletionLags(false);
    let afresh: ApiResponse;
    try {
      await age(author, key, { expiresAt: nowSeconds() - 1 });
      afresh = await send(request, key);
    } finally {
      await deletionLags(true);
    }
    expect(afresh.status).toBe(201);
    expect(afresh.body.article.slug).not.toBe(first.body.article.slug);
    expect(await articlesBy(author)).toBe(2);
  });

  it('of a request still running holds the key for its lease (409), and past it the request runs afresh', async () => {
    const author = await registerUser(api, 'keyed');
    const request = createRequest(author);
    const key = newKey();
    const first = await send(request, key);
    expect(first.status).toBe(201);
    await age(author, key, { outcome: 'running', leaseExpiresAt: nowSeconds() + LEASE_SECONDS });
    expect(answer(await send(request, key))).toEqual({ status: 409, body: BUSY });
    await age(author, key, { leaseExpiresAt: nowSeconds() - 1 });
    const afresh = await send(request, key);
    expect(afresh.status).toBe(201);
    expect(afresh.body.article.slug).not.toBe(first.body.article.slug);
    expect(await articlesBy(author)).toBe(2);
  });
});
