/**
 * The API docs over real HTTP: `/api/openapi.json` serves the document of schemas/openapi.ts with the
 * server the client reached, `/api/docs` the Swagger UI page with its script and style from the
 * swagger-ui-dist package; and real responses of every route, in every status class the document
 * lists for it (5xx through the fault injector), with an Idempotency-Key too, match the document.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from '@jest/globals';
import { parseFaultSpec } from '../../local/faults.ts';
import { IDEMPOTENCY_KEY_HEADER } from '../../schemas/idempotency-frame.ts';
import { openApiDocument } from '../../schemas/openapi.ts';
import { routes } from '../../schemas/routes.ts';
import { type CheckedResponse, responseChecker } from '../support/openapi.ts';
import { type ApiResponse, registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';

const { runtime, api } = useTestRuntime();
const require = createRequire(import.meta.url);

afterEach(() => runtime().faults.clear());

describe('the docs routes', () => {
  it('serve the OpenAPI document with the server the client reached', async () => {
    const response = await fetch(`${runtime().url}/api/openapi.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const document = (await response.json()) as { servers: { url: string }[] };
    const apiRoot = `http://${new URL(runtime().url).host}/api`;
    expect(document.servers).toEqual([{ url: apiRoot }]);
    expect(document).toEqual(openApiDocument(apiRoot));
  });

  it('serve Swagger UI, its files from the installed package and nothing else', async () => {
    const page = await fetch(`${runtime().url}/api/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('"/api/openapi.json"');
    const files = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, file = '']) => file);
    expect(files.sort()).toEqual(['/api/docs/swagger-ui-bundle.js', '/api/docs/swagger-ui.css']);
    expect(html).not.toMatch(/https?:\/\//);
    for (const file of files) {
      const served = await fetch(`${runtime().url}${file}`);
      expect(served.status).toBe(200);
      const name = file.slice('/api/docs/'.length);
      expect(await served.text()).toBe(readFileSync(require.resolve(`swagger-ui-dist/${name}`), 'utf8'));
    }
    for (const path of ['/api/docs/index.html', '/api/docs/..%2Fpackage.json', '/api/docs/swagger-ui.js']) {
      expect((await fetch(`${runtime().url}${path}`)).status).toBe(404);
    }
  });
});

describe('responses match the document', () => {
  let check: ReturnType<typeof responseChecker>;
  const seen: CheckedResponse[] = [];

  interface CallOptions {
    body?: unknown;
    token?: string;
    idempotencyKey?: string;
    faults?: string;
    status: number;
  }

  /** A call whose response must be documented: its status and body. */
  async function expectDocumented(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    options: CallOptions,
  ): Promise<ApiResponse> {
    if (options.faults) {
      runtime().faults.set(parseFaultSpec(options.faults));
      // A token the cached authorizer has decided on would never reach a faulted authorizer.
      runtime().authorizerCache.flush();
    }
    const key: Record<string, string> =
      options.idempotencyKey === undefined ? {} : { [IDEMPOTENCY_KEY_HEADER]: options.idempotencyKey };
    const response = await api.raw(method, path, options.body, options.token, key);
    runtime().faults.clear();
    expect({ call: `${method} ${path}`, status: response.status }).toEqual({
      call: `${method} ${path}`,
      status: options.status,
    });
    const checked = check(method, path, response.status, response.body);
    if (!checked) throw new Error(`${method} ${path}: no operation in the OpenAPI document`);
    seen.push(checked);
    return response;
  }

  it('for every route, in every status class it documents', async () => {
    const served = await fetch(`${runtime().url}/api/openapi.json`);
    const document = (await served.json()) as Record<string, unknown>;
    check = responseChecker(document);

    const down = (lambda: string) => `lambda/${lambda}:ServiceException`;
    const authorizerDown = down('authorizer');
    // Users
    const username = uniqueName('docs');
    const registration = { user: { username, email: `${username}@example.com`, password: 'password123' } };
    const author = (await expectDocumented('POST', '/api/users', { body: registration, status: 201 })).body
      .user.token as string;
    await expectDocumented('POST', '/api/users', { body: registration, status: 409 });
    const other = uniqueName('docs');
    await expectDocumented('POST', '/api/users', {
      body: { user: { username: other, email: `${other}@example.com`, password: 'password123' } },
      faults: 'dynamodb/TransactWriteItems:InternalServerError',
      status: 503,
    });
    const reader = await registerUser(api, 'docsreader');
    const credentials = { user: { email: registration.user.email, password: 'password123' } };
    await expectDocumented('POST', '/api/users/login', { body: credentials, status: 200 });
    await expectDocumented('POST', '/api/users/login', {
      body: { user: { ...credentials.user, password: 'wrong-password' } },
      status: 401,
    });
    await expectDocumented('POST', '/api/users/login', {
      body: credentials,
      faults: down('login'),
      status: 503,
    });
    await expectDocumented('GET', '/api/user', { token: author, status: 200 });
    await expectDocumented('GET', '/api/user', { status: 401 });
    await expectDocumented('GET', '/api/user', { token: author, faults: authorizerDown, status: 503 });
    await expectDocumented('PUT', '/api/user', {
      body: { user: { bio: 'I write' } },
      token: author,
      status: 200,
    });
    await expectDocumented('PUT', '/api/user', {
      body: { user: { email: 'no' } },
      token: author,
      status: 422,
    });
    await expectDocumented('PUT', '/api/user', {
      body: { user: { bio: 'x' } },
      token: author,
      faults: authorizerDown,
      status: 503,
    });

    // Profiles
    const profile = `/api/profiles/${username}`;
    await expectDocumented('GET', profile, { status: 200 });
    await expectDocumented('GET', `/api/profiles/${uniqueName('nobody')}`, { status: 404 });
    await expectDocumented('GET', profile, { faults: down('get-profile'), status: 503 });
    await expectDocumented('POST', `${profile}/follow`, { token: reader.token, status: 200 });
    await expectDocumented('POST', `${profile}/follow`, { token: author, status: 422 });
    await expectDocumented('POST', `${profile}/follow`, {
      token: reader.token,
      faults: authorizerDown,
      status: 503,
    });
    await expectDocumented('DELETE', `${profile}/follow`, { token: reader.token, status: 200 });
    await expectDocumented('DELETE', `/api/profiles/${uniqueName('nobody')}/follow`, {
      token: reader.token,
      status: 404,
    });
    await expectDocumented('DELETE', `${profile}/follow`, {
      token: reader.token,
      faults: authorizerDown,
      status: 503,
    });

    // Articles
    const draft = { article: { title: uniqueName('Docs '), description: 'd', body: 'b', tagList: ['docs'] } };
    const slug = (
      await expectDocumented('POST', '/api/articles', { body: draft, token: author, status: 201 })
    ).body.article.slug as string;
    await expectDocumented('POST', '/api/articles', {
      body: { article: { title: '' } },
      token: author,
      status: 422,
    });
    await expectDocumented('POST', '/api/articles', {
      body: draft,
      token: author,
      faults: authorizerDown,
      status: 503,
    });
    await expectDocumented('GET', '/api/articles?limit=5', { token: reader.token, status: 200 });
    await expectDocumented('GET', '/api/articles?limit=0', { status: 422 });
    await expectDocumented('GET', '/api/articles', { faults: down('list-articles'), status: 503 });
    await expectDocumented('GET', '/api/articles/feed', { token: reader.token, status: 200 });
    await expectDocumented('GET', '/api/articles/feed', { status: 401 });
    await expectDocumented('GET', '/api/articles/feed', {
      token: reader.token,
      faults: authorizerDown,
      status: 503,
    });
    const article = `/api/articles/${slug}`;
    await expectDocumented('GET', article, { status: 200 });
    await expectDocumented('GET', `/api/articles/${uniqueName('none')}`, { status: 404 });
    await expectDocumented('GET', article, { faults: down('get-article'), status: 503 });
    await expectDocumented('PUT', article, {
      body: { article: { description: 'new' } },
      token: author,
      status: 200,
    });
    await expectDocumented('PUT', article, {
      body: { article: { body: 'x' } },
      token: reader.token,
      status: 403,
    });
    await expectDocumented('PUT', article, {
      body: { article: { body: 'x' } },
      token: author,
      faults: authorizerDown,
      status: 503,
    });
    await expectDocumented('POST', `${article}/favorite`, { token: reader.token, status: 200 });
    await expectDocumented('POST', `/api/articles/${uniqueName('none')}/favorite`, {
      token: reader.token,
      status: 404,
    });
    await expectDocumented('POST', `${article}/favorite`, {
      token: reader.token,
      faults: authorizerDown,
      status: 503,
    });
    await expectDocumented('DELETE', `${article}/favorite`, { token: reader.token, status: 200 });
    await expectDocumented('DELETE', `/api/articles/${uniqueName('none')}/favorite`, {
      token: reader.token,
      status: 404,
    });
    await expectDocumented('DELETE', `${article}/favorite`, {
      token: reader.token,
      faults: authorizerDown,
      status: 503,
    });

    // Comments
    const comment = (
      await expectDocumented('POST', `${article}/comments`, {
        body: { comment: { body: 'Nice' } },
        token: author,
        status: 201,
      })
    ).body.comment.id as number;
    await expectDocumented('POST', `${article}/comments`, {
      body: { comment: {} },
      token: author,
      status: 422,
    });
    await expectDocumented('POST', `${article}/comments`, {
      body: { comment: { body: 'x' } },
      token: author,
      faults: authorizerDown,
      status: 503,
    });
    // An Idempotency-Key: the first answer, its replay, the key with another request, an unusable key.
    const idempotencyKey = uniqueName('docs-key');
    const keyedComment = { body: { comment: { body: 'Once' } }, token: author, idempotencyKey };
    const first = await expectDocumented('POST', `${article}/comments`, { ...keyedComment, status: 201 });
    const replay = await expectDocumented('POST', `${article}/comments`, { ...keyedComment, status: 201 });
    expect(replay.body).toEqual(first.body);
    const reused = await expectDocumented('POST', `${article}/comments`, {
      ...keyedComment,
      body: { comment: { body: 'Twice' } },
      status: 422,
    });
    expect(reused.body).toEqual({ errors: { 'Idempotency-Key': ['was used with a different request'] } });
    await expectDocumented('DELETE', `${article}/favorite`, {
      token: reader.token,
      idempotencyKey: 'two words',
      status: 422,
    });
    await expectDocumented('GET', `${article}/comments`, { token: reader.token, status: 200 });
    await expectDocumented('GET', `/api/articles/${uniqueName('none')}/comments`, { status: 404 });
    await expectDocumented('GET', `${article}/comments`, { faults: down('list-comments'), status: 503 });
    await expectDocumented('DELETE', `${article}/comments/${comment}`, { token: reader.token, status: 403 });
    await expectDocumented('DELETE', `${article}/comments/${comment}`, {
      token: author,
      faults: authorizerDown,
      status: 503,
    });
    await expectDocumented('DELETE', `${article}/comments/${comment}`, { token: author, status: 204 });

    // Tags, then the article goes
    await expectDocumented('GET', '/api/tags', { status: 200 });
    await expectDocumented('GET', '/api/tags', { faults: down('list-tags'), status: 503 });
    await expectDocumented('DELETE', article, { token: reader.token, status: 403 });
    await expectDocumented('DELETE', article, { token: author, faults: authorizerDown, status: 503 });
    await expectDocumented('DELETE', article, { token: author, status: 204 });

    // Every route was answered in every status class the document lists for it.
    const classes = (statuses: Iterable<string | number>) =>
      [...new Set([...statuses].map((s) => `${String(s)[0]}xx`))].sort();
    const paths = document.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    for (const route of routes) {
      const key = `${route.method} ${route.path}`;
      const documented = classes(
        Object.keys(paths[route.path.slice(4)]?.[route.method.toLowerCase()]?.responses ?? {}),
      );
      const sampled = classes(seen.filter((response) => response.operation === key).map((r) => r.status));
      expect({ key, sampled }).toEqual({ key, sampled: documented });
    }
  }, 120_000); // some 80 requests, a few through workflow retries
});
