/** Article writes over real HTTP: gateway → authorizer → express workflow → DynamoDB Local. */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { favoritedKey, slugKey } from '../../lambdas/shared/keys.ts';
import { userIdOf } from '../support/articles.ts';
import { registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';

const { api, db, runtime } = useTestRuntime();

const NOT_FOUND = { errors: { article: ['not found'] } };
const FORBIDDEN = { errors: { article: ['forbidden'] } };
const TOKEN_MISSING = { errors: { token: ['is missing'] } };

const articlePath = (slug: string) => `/api/articles/${encodeURIComponent(slug)}`;

async function createArticle(token: string, fields: Record<string, unknown> = {}) {
  const response = await api.post(
    '/api/articles',
    { article: { title: uniqueName('Title '), description: 'Desc', body: 'Body', ...fields } },
    token,
  );
  expect(response.status).toBe(201);
  return response.body.article;
}

describe('POST /api/articles', () => {
  it('creates an article with 201, sorted unique tags and the author profile', async () => {
    const author = await registerUser(api);
    const title = uniqueName('Hello World ');
    const response = await api.post(
      '/api/articles',
      { article: { title, description: 'Desc', body: 'Body', tagList: ['b', 'a', 'b'] } },
      author.token,
    );
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      article: {
        slug: title.toLowerCase().replace(/ /g, '-'),
        title,
        description: 'Desc',
        body: 'Body',
        tagList: ['a', 'b'],
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        updatedAt: response.body.article.createdAt,
        favorited: false,
        favoritesCount: 0,
        author: { username: author.username, bio: null, image: null, following: false },
      },
    });
  });

  it('answers 401 without a token', async () => {
    const response = await api.post('/api/articles', {
      article: { title: 't', description: 'd', body: 'b' },
    });
    expect(response.status).toBe(401);
    expect(response.body).toEqual(TOKEN_MISSING);
  });

  it('answers 422 "can\'t be blank" for blank fields, and for a null tagList', async () => {
    const author = await registerUser(api);
    const blank = await api.post(
      '/api/articles',
      { article: { title: '', description: ' ', body: '' } },
      author.token,
    );
    expect(blank.status).toBe(422);
    expect(blank.body).toEqual({
      errors: { title: ["can't be blank"], description: ["can't be blank"], body: ["can't be blank"] },
    });
    const nullTags = await api.post(
      '/api/articles',
      { article: { title: 't', description: 'd', body: 'b', tagList: null } },
      author.token,
    );
    expect(nullTags.status).toBe(422);
    expect(nullTags.body).toEqual({ errors: { tagList: ['must be an array of strings'] } });
    expect((await api.post('/api/articles', {}, author.token)).body).toEqual({
      errors: { article: ["can't be blank"] },
    });
  });

  it('gives duplicate titles, even concurrent ones, distinct slugs', async () => {
    const author = await registerUser(api);
    const title = uniqueName('Dup ');
    const responses = await Promise.all(
      Array.from({ length: 4 }, () =>
        api.post('/api/articles', { article: { title, description: 'd', body: 'b' } }, author.token),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual([201, 201, 201, 201]);
    expect(new Set(responses.map((response) => response.body.article.slug)).size).toBe(4);
  });
});

describe('PUT /api/articles/:slug', () => {
  it('updates the body, keeping slug, tags and createdAt and moving updatedAt', async () => {
    const author = await registerUser(api);
    const created = await createArticle(author.token, { tagList: ['x', 'y'] });
    const response = await api.put(articlePath(created.slug), { article: { body: 'Updated' } }, author.token);
    expect(response.status).toBe(200);
    expect(response.body.article).toMatchObject({
      slug: created.slug,
      title: created.title,
      body: 'Updated',
      tagList: ['x', 'y'],
      createdAt: created.createdAt,
    });
    expect(response.body.article.updatedAt).not.toBe(created.updatedAt);
  });

  it('clears tags with [] and rejects a null tagList with 422', async () => {
    const author = await registerUser(api);
    const created = await createArticle(author.token, { tagList: ['x'] });
    const cleared = await api.put(articlePath(created.slug), { article: { tagList: [] } }, author.token);
    expect(cleared.status).toBe(200);
    expect(cleared.body.article.tagList).toEqual([]);
    const rejected = await api.put(articlePath(created.slug), { article: { tagList: null } }, author.token);
    expect(rejected.status).toBe(422);
    expect(rejected.body).toEqual({ errors: { tagList: ['must be an array of strings'] } });
  });

  it('moves the slug with a new title; the old slug is then unknown', async () => {
    const author = await registerUser(api);
    const created = await createArticle(author.token);
    const title = uniqueName('Renamed ');
    const renamed = await api.put(articlePath(created.slug), { article: { title } }, author.token);
    expect(renamed.status).toBe(200);
    expect(renamed.body.article.slug).toBe(title.toLowerCase().replace(/ /g, '-'));
    const old = await api.put(articlePath(created.slug), { article: { body: 'x' } }, author.token);
    expect(old.status).toBe(404);
    expect(old.body).toEqual(NOT_FOUND);
  });

  it('serves slugs of non-Latin titles through the URL', async () => {
    const author = await registerUser(api);
    const created = await createArticle(author.token, { title: `日本語 ${uniqueName('t')}` });
    expect(created.slug.startsWith('日本語-')).toBe(true);
    const response = await api.put(
      articlePath(created.slug),
      { article: { body: 'こんにちは' } },
      author.token,
    );
    expect(response.status).toBe(200);
    expect(response.body.article.body).toBe('こんにちは');
  });

  it("answers 404 for an unknown slug, 403 for someone else's article and 401 without a token", async () => {
    const author = await registerUser(api);
    const intruder = await registerUser(api, 'intruder');
    const created = await createArticle(author.token);
    const unknown = await api.put(
      articlePath(uniqueName('unknown-')),
      { article: { body: 'x' } },
      author.token,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(NOT_FOUND);
    const forbidden = await api.put(
      articlePath(created.slug),
      { article: { body: 'hijacked' } },
      intruder.token,
    );
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual(FORBIDDEN);
    const anonymous = await api.put(articlePath(created.slug), { article: { body: 'x' } });
    expect(anonymous.status).toBe(401);
    // The article is unchanged: its author's next update still sees the original body.
    const check = await api.put(articlePath(created.slug), { article: {} }, author.token);
    expect(check.body.article.body).toBe('Body');
  });
});

describe('DELETE /api/articles/:slug', () => {
  it('deletes with 204 and an empty body; the slug is then unknown and free again', async () => {
    const author = await registerUser(api);
    const created = await createArticle(author.token);
    const response = await api.delete(articlePath(created.slug), author.token);
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    expect((await api.delete(articlePath(created.slug), author.token)).status).toBe(404);
    expect((await api.post(`${articlePath(created.slug)}/favorite`, undefined, author.token)).status).toBe(
      404,
    );
    const again = await createArticle(author.token, { title: created.title });
    expect(again.slug).toBe(created.slug);
  });

  it("answers 404 for an unknown slug, 403 for someone else's article and 401 without a token", async () => {
    const author = await registerUser(api);
    const intruder = await registerUser(api, 'intruder');
    const created = await createArticle(author.token);
    const unknown = await api.delete(articlePath(uniqueName('unknown-')), author.token);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(NOT_FOUND);
    const forbidden = await api.delete(articlePath(created.slug), intruder.token);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual(FORBIDDEN);
    const anonymous = await api.delete(articlePath(created.slug));
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual(TOKEN_MISSING);
    expect((await api.delete(articlePath(created.slug), author.token)).status).toBe(204);
  });
});

describe('POST and DELETE /api/articles/:slug/favorite', () => {
  it('favorites and unfavorites idempotently, answering the article each time', async () => {
    const author = await registerUser(api);
    const reader = await registerUser(api, 'reader');
    const created = await createArticle(author.token);
    const favoritePath = `${articlePath(created.slug)}/favorite`;
    for (let round = 0; round < 2; round++) {
      const favorited = await api.post(favoritePath, undefined, reader.token);
      expect(favorited.status).toBe(200);
      expect(favorited.body.article).toMatchObject({
        slug: created.slug,
        body: 'Body',
        favorited: true,
        favoritesCount: 1,
        author: { username: author.username, following: false },
      });
    }
    const byAuthor = await api.post(favoritePath, undefined, author.token);
    expect(byAuthor.body.article).toMatchObject({ favorited: true, favoritesCount: 2 });
    for (let round = 0; round < 2; round++) {
      const unfavorited = await api.delete(favoritePath, reader.token);
      expect(unfavorited.status).toBe(200);
      expect(unfavorited.body.article).toMatchObject({ favorited: false, favoritesCount: 1 });
    }
  });

  it('counts concurrent favorites by the same user once', async () => {
    const author = await registerUser(api);
    const reader = await registerUser(api, 'reader');
    const created = await createArticle(author.token);
    const favoritePath = `${articlePath(created.slug)}/favorite`;
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => api.post(favoritePath, undefined, reader.token)),
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    const after = await api.delete(favoritePath, reader.token);
    expect(after.body.article.favoritesCount).toBe(0);
  });

  it("lists a user's favorites newest first page by page, counted exactly through duplicates, races and unfavorites", async () => {
    const author = await registerUser(api);
    const reader = await registerUser(api, 'reader');
    const created = [];
    for (let i = 0; i < 6; i++) created.push(await createArticle(author.token));
    const favoritePath = (article: { slug: string }) => `${articlePath(article.slug)}/favorite`;
    const [a0, a1, a2, a3, a4, a5] = created;
    if (!a0 || !a1 || !a2 || !a3 || !a4 || !a5) throw new Error('six articles');
    // Out of creation order, a duplicate, three side by side, and one taken back.
    for (const article of [a3, a0, a3]) await api.post(favoritePath(article), undefined, reader.token);
    const concurrent = await Promise.all(
      [a1, a4, a5, a4].map((article) => api.post(favoritePath(article), undefined, reader.token)),
    );
    expect(concurrent.map((response) => response.status)).toEqual([200, 200, 200, 200]);
    await api.delete(favoritePath(a1), reader.token);
    await api.delete(favoritePath(a1), reader.token);
    const newestFirst = [a5, a4, a3, a0].map((article) => article.slug);
    const pages = [];
    for (const offset of [0, 2, 4]) {
      const response = await api.get(`/api/articles?favorited=${reader.username}&limit=2&offset=${offset}`);
      expect(response.status).toBe(200);
      pages.push(response.body);
    }
    const page = (slugs: string[]) => ({
      articles: slugs.map((slug) => expect.objectContaining({ slug })),
      articlesCount: 4,
    });
    expect(pages).toMatchObject([page(newestFirst.slice(0, 2)), page(newestFirst.slice(2, 4)), page([])]);
  });

  it('favorites through a slug marker written before markers carried authorId and articleCreatedAt', async () => {
    const author = await registerUser(api);
    const reader = await registerUser(api, 'reader');
    const created = await createArticle(author.token);
    const articles = runtime().tableNames.Articles;
    const { Item: marker } = await db().send(
      new GetCommand({ TableName: articles, Key: { pk: slugKey(created.slug) } }),
    );
    expect(marker).toMatchObject({ authorId: expect.any(String), articleCreatedAt: created.createdAt });
    await db().send(
      new PutCommand({ TableName: articles, Item: { pk: marker?.pk, articleId: marker?.articleId } }),
    );
    const favorited = await api.post(`${articlePath(created.slug)}/favorite`, undefined, reader.token);
    expect(favorited.body.article).toMatchObject({
      favorited: true,
      favoritesCount: 1,
      author: { username: author.username },
    });
    const readerId = await userIdOf(db(), runtime(), reader.username);
    const { Item: row } = await db().send(
      new GetCommand({
        TableName: runtime().tableNames.Relations,
        Key: favoritedKey(readerId, marker?.articleId),
      }),
    );
    expect(row).toMatchObject({
      favoritedBy: readerId,
      articleOrder: `${created.createdAt}#${marker?.articleId}`,
      authorId: marker?.authorId,
    });
    const listed = await api.get(`/api/articles?favorited=${reader.username}`);
    expect(listed.body).toMatchObject({ articles: [{ slug: created.slug }], articlesCount: 1 });
  });

  it('answers 404 for an unknown slug and 401 without a token', async () => {
    const reader = await registerUser(api, 'reader');
    const unknownPath = `${articlePath(uniqueName('unknown-'))}/favorite`;
    for (const response of [
      await api.post(unknownPath, undefined, reader.token),
      await api.delete(unknownPath, reader.token),
    ]) {
      expect(response.status).toBe(404);
      expect(response.body).toEqual(NOT_FOUND);
    }
    for (const response of [await api.post(unknownPath), await api.delete(unknownPath)]) {
      expect(response.status).toBe(401);
      expect(response.body).toEqual(TOKEN_MISSING);
    }
  });
});
