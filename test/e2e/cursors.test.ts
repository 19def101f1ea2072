/**
 * Cursors over real HTTP (beyond the spec): every list pages with `nextCursor` / `cursor` as it does
 * with offsets, the last page has none, writes made while paging do not shift the pages, and a
 * cursor that was altered, belongs to another query or reader, or is too old is a 422.
 */
import { describe, expect, it } from '@jest/globals';
import { CURSOR_LIFETIME_SECONDS, cursorScope, encodeCursor } from '../../lambdas/shared/cursors.ts';
import { type ApiClient, registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';

const { api } = useTestRuntime();

type User = Awaited<ReturnType<typeof registerUser>>;

async function publish(author: User, title: string, tagList: string[] = []): Promise<string> {
  const response = await api.post(
    '/api/articles',
    { article: { title: uniqueName(title), description: 'd', body: 'b', tagList } },
    author.token,
  );
  expect(response.status).toBe(201);
  return response.body.article.slug as string;
}

/** Every page of `path` (which ends in `?…`), following nextCursor: the slugs or comment ids of each page. */
async function pages(
  client: ApiClient,
  path: string,
  token?: string,
  list: 'articles' | 'comments' = 'articles',
) {
  const seen: unknown[][] = [];
  const counts: unknown[] = [];
  let cursor: string | undefined;
  do {
    const response = await client.get(
      `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      token,
    );
    expect(response.status).toBe(200);
    const items = response.body[list] as { slug?: string; id?: number }[];
    seen.push(items.map((item) => item.slug ?? item.id));
    counts.push(response.body.articlesCount);
    cursor = response.body.nextCursor;
    if (seen.length > 20) throw new Error('paging does not end');
  } while (cursor);
  return { pages: seen, counts };
}

const errorOf = (message: string) => ({ errors: { cursor: [message] } });
const ALTERED = errorOf('is not a cursor of this API');
const FOREIGN = errorOf('belongs to another query: start again from the first page');
const STALE = errorOf('has expired: start again from the first page');

describe('cursors on the article lists', () => {
  it('page the tag, author and q lists as offsets do, the last page without a nextCursor', async () => {
    const author = await registerUser(api, 'cursor');
    const tag = uniqueName('cursortag');
    const slugs: string[] = [];
    for (let n = 0; n < 5; n++) slugs.push(await publish(author, `Cursor dragons ${n}`, [tag]));
    const newestFirst = [...slugs].reverse();
    const expected = {
      pages: [newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)],
      counts: [5, 5, 5],
    };
    expect(await pages(api, `/api/articles?tag=${tag}&limit=2`)).toEqual(expected);
    expect(await pages(api, `/api/articles?author=${author.username}&limit=2`, author.token)).toEqual(
      expected,
    );
    expect(await pages(api, `/api/articles?author=${author.username}&tag=${tag}&limit=2`)).toEqual(expected);
    const searched = await pages(api, `/api/articles?q=dragons&author=${author.username}&limit=2`);
    expect({ all: searched.pages.flat().sort(), sizes: searched.pages.map((page) => page.length) }).toEqual({
      all: [...slugs].sort(),
      sizes: [2, 2, 1],
    });
    // A full last page has no nextCursor either.
    expect(await pages(api, `/api/articles?tag=${tag}&limit=5`)).toEqual({
      pages: [newestFirst],
      counts: [5],
    });
  });

  it('are not shifted by articles published while paging, unlike offsets', async () => {
    const author = await registerUser(api, 'cursor');
    const tag = uniqueName('cursortag');
    const slugs: string[] = [];
    for (let n = 0; n < 4; n++) slugs.push(await publish(author, `Shift ${n}`, [tag]));
    const first = await api.get(`/api/articles?tag=${tag}&limit=2`);
    await publish(author, 'Newer', [tag]);
    const second = await api.get(`/api/articles?tag=${tag}&limit=2&cursor=${first.body.nextCursor}`);
    expect({
      second: second.body.articles.map((article: { slug: string }) => article.slug),
      count: second.body.articlesCount,
      next: second.body.nextCursor,
    }).toEqual({ second: [slugs[1], slugs[0]], count: 5, next: undefined });
  });

  it('page the favorited list and the feed', async () => {
    const author = await registerUser(api, 'cursor');
    const reader = await registerUser(api, 'reader');
    expect((await api.post(`/api/profiles/${author.username}/follow`, undefined, reader.token)).status).toBe(
      200,
    );
    const slugs: string[] = [];
    for (let n = 0; n < 3; n++) {
      const slug = await publish(author, `Followed ${n}`);
      slugs.push(slug);
      expect((await api.post(`/api/articles/${slug}/favorite`, undefined, reader.token)).status).toBe(200);
    }
    const newestFirst = [...slugs].reverse();
    const expected = { pages: [newestFirst.slice(0, 2), newestFirst.slice(2)], counts: [3, 3] };
    expect(await pages(api, `/api/articles?favorited=${reader.username}&limit=2`, reader.token)).toEqual(
      expected,
    );
    expect(await pages(api, '/api/articles/feed?limit=2', reader.token)).toEqual(expected);
  });

  it('page comments with limit or cursor; without either every comment, as the spec says', async () => {
    const author = await registerUser(api, 'cursor');
    const slug = await publish(author, 'Commented');
    const ids: number[] = [];
    for (let n = 0; n < 5; n++) {
      const response = await api.post(
        `/api/articles/${slug}/comments`,
        { comment: { body: `c${n}` } },
        author.token,
      );
      ids.push(response.body.comment.id);
    }
    const newestFirst = [...ids].reverse();
    const all = await api.get(`/api/articles/${slug}/comments`);
    expect({ ids: all.body.comments.map((c: { id: number }) => c.id), next: all.body.nextCursor }).toEqual({
      ids: newestFirst,
      next: undefined,
    });
    expect((await pages(api, `/api/articles/${slug}/comments?limit=2`, undefined, 'comments')).pages).toEqual(
      [newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)],
    );
    const bad = await api.get(`/api/articles/${slug}/comments?limit=0`);
    expect(bad.status).toBe(422);
  });
});

describe('a cursor that is not one this query issued lately', () => {
  it('is a 422 when altered, when not a cursor at all, or with a non-zero offset', async () => {
    const author = await registerUser(api, 'cursor');
    const tag = uniqueName('cursortag');
    for (let n = 0; n < 3; n++) await publish(author, `Altered ${n}`, [tag]);
    const { nextCursor } = (await api.get(`/api/articles?tag=${tag}&limit=1`)).body as { nextCursor: string };
    const [payload = '', digest = ''] = nextCursor.split('.');
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...decoded, p: { ...decoded.p, id: 'other' } })).toString(
      'base64url',
    );
    for (const cursor of [
      `${forged}.${digest}`,
      `${payload}.${digest.slice(1)}x`,
      'not-a-cursor',
      `${payload}`,
      `${payload}.${digest}.extra`,
    ]) {
      const response = await api.get(`/api/articles?tag=${tag}&limit=1&cursor=${encodeURIComponent(cursor)}`);
      expect({ cursor, status: response.status, body: response.body }).toEqual({
        cursor,
        status: 422,
        body: ALTERED,
      });
    }
    const withOffset = await api.get(`/api/articles?tag=${tag}&limit=1&offset=1&cursor=${nextCursor}`);
    expect({ status: withOffset.status, body: withOffset.body }).toEqual({
      status: 422,
      body: { errors: { offset: ['cannot be combined with cursor'] } },
    });
  });

  it("is a 422 for another query or another reader's feed, never their data", async () => {
    const author = await registerUser(api, 'cursor');
    const [reader, other] = [await registerUser(api, 'reader'), await registerUser(api, 'other')];
    const tag = uniqueName('cursortag');
    for (let n = 0; n < 3; n++) await publish(author, `Foreign ${n}`, [tag]);
    await api.post(`/api/profiles/${author.username}/follow`, undefined, reader.token);
    await publish(author, 'In the feed');
    await publish(author, 'In the feed too');
    const listCursor = (await api.get(`/api/articles?tag=${tag}&limit=1`)).body.nextCursor;
    const feedCursor = (await api.get('/api/articles/feed?limit=1', reader.token)).body.nextCursor;
    expect([typeof listCursor, typeof feedCursor]).toEqual(['string', 'string']);
    const foreign = [
      api.get(`/api/articles?tag=${tag}x&limit=1&cursor=${listCursor}`),
      api.get(`/api/articles?limit=1&cursor=${listCursor}`),
      api.get(`/api/articles?tag=${tag}&limit=1&cursor=${listCursor}`, reader.token),
      api.get(`/api/articles/feed?limit=1&cursor=${feedCursor}`, other.token),
      api.get(`/api/articles/feed?limit=1&cursor=${listCursor}`, reader.token),
    ];
    for (const response of await Promise.all(foreign)) {
      expect({ status: response.status, body: response.body }).toEqual({ status: 422, body: FOREIGN });
    }
  });

  it('is a 422 once older than a day', async () => {
    const tag = uniqueName('cursortag');
    const scope = cursorScope('GET /api/articles', {
      q: undefined,
      tag,
      author: undefined,
      favorited: undefined,
      reader: undefined,
    });
    const position = { createdAt: new Date().toISOString(), id: 'x' };
    const fresh = encodeCursor(scope, position);
    const stale = encodeCursor(scope, position, Date.now() - (CURSOR_LIFETIME_SECONDS + 60) * 1000);
    expect((await api.get(`/api/articles?tag=${tag}&cursor=${fresh}`)).status).toBe(200);
    const response = await api.get(`/api/articles?tag=${tag}&cursor=${stale}`);
    expect({ status: response.status, body: response.body }).toEqual({ status: 422, body: STALE });
  });
});
