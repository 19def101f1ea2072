/** Comments over real HTTP: gateway → authorizer → workflow / Lambda → DynamoDB Local. */
import { describe, expect, it } from '@jest/globals';
import { registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';

const { api } = useTestRuntime();

type User = Awaited<ReturnType<typeof registerUser>>;

async function createArticle(author: User): Promise<string> {
  const response = await api.post(
    '/api/articles',
    { article: { title: uniqueName('Commented '), description: 'd', body: 'b' } },
    author.token,
  );
  expect(response.status).toBe(201);
  return response.body.article.slug as string;
}

const comment = (slug: string, body: unknown, token?: string) =>
  api.post(`/api/articles/${slug}/comments`, body, token);

describe('POST /api/articles/:slug/comments', () => {
  it('answers 201 with the comment and an integer id', async () => {
    const author = await registerUser(api);
    const slug = await createArticle(author);
    const response = await comment(slug, { comment: { body: 'First!' } }, author.token);
    expect(response.status).toBe(201);
    expect(response.body).toEqual({
      comment: {
        id: 1,
        createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        updatedAt: response.body.comment.createdAt,
        body: 'First!',
        author: { username: author.username, bio: null, image: null, following: false },
      },
    });
  });

  it('answers 422 for a blank body, 404 for an unknown article and 401 without a token', async () => {
    const author = await registerUser(api);
    const slug = await createArticle(author);
    const blank = await comment(slug, { comment: { body: '' } }, author.token);
    expect(blank.status).toBe(422);
    expect(blank.body).toEqual({ errors: { body: ["can't be blank"] } });
    const missing = await comment(slug, {}, author.token);
    expect(missing.body).toEqual({ errors: { comment: ["can't be blank"] } });
    const unknown = await comment(uniqueName('no-such-'), { comment: { body: 'x' } }, author.token);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ errors: { article: ['not found'] } });
    const anonymous = await comment(slug, { comment: { body: 'x' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ errors: { token: ['is missing'] } });
    expect((await api.get(`/api/articles/${slug}/comments`)).body).toEqual({ comments: [] });
  });
});

describe('GET /api/articles/:slug/comments', () => {
  it('lists newest first with each author and whether the reader follows them', async () => {
    const [author, reader, followed] = [
      await registerUser(api),
      await registerUser(api),
      await registerUser(api),
    ];
    const slug = await createArticle(author);
    await comment(slug, { comment: { body: 'one' } }, author.token);
    await comment(slug, { comment: { body: 'two' } }, followed.token);
    await api.post(`/api/profiles/${followed.username}/follow`, undefined, reader.token);

    const asReader = await api.get(`/api/articles/${slug}/comments`, reader.token);
    expect(asReader.status).toBe(200);
    expect(
      asReader.body.comments.map(
        (c: { id: number; body: string; author: { username: string; following: boolean } }) => [
          c.id,
          c.body,
          c.author.username,
          c.author.following,
        ],
      ),
    ).toEqual([
      [2, 'two', followed.username, true],
      [1, 'one', author.username, false],
    ]);
    const anonymous = await api.get(`/api/articles/${slug}/comments`);
    expect(
      anonymous.body.comments.map((c: { author: { following: boolean } }) => c.author.following),
    ).toEqual([false, false]);
  });

  it('answers 404 for an unknown article', async () => {
    const response = await api.get(`/api/articles/${uniqueName('no-such-')}/comments`);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: { article: ['not found'] } });
  });

  it('makes 5 DynamoDB calls whether there is 1 comment or 25 by 25 authors', async () => {
    const reader = await registerUser(api);
    const authors = await Promise.all(Array.from({ length: 25 }, () => registerUser(api)));
    const [single, many] = [await createArticle(authors[0] as User), await createArticle(authors[0] as User)];
    await comment(single, { comment: { body: 'only' } }, reader.token);
    for (const author of authors) await comment(many, { comment: { body: 'hi' } }, author.token);

    // The Lambdas share this client (module scope, as in a Lambda execution environment); imported
    // only now because it reads its endpoint from the environment the runtime sets.
    const { documentClient } = await import('../../lambdas/shared/clients.ts');
    let calls = 0;
    const counter = 'count-list-comments-calls';
    documentClient.middlewareStack.add(
      (next) => (args) => {
        calls++;
        return next(args);
      },
      { step: 'initialize', name: counter },
    );
    try {
      const callsFor = async (slug: string, expected: number) => {
        calls = 0;
        const response = await api.get(`/api/articles/${slug}/comments`, reader.token);
        expect(response.body.comments).toHaveLength(expected);
        return calls;
      };
      // Slug marker, article, comment query, one BatchGetItem of authors, one of follows.
      expect(await callsFor(single, 1)).toBe(5);
      expect(await callsFor(many, 25)).toBe(5);
    } finally {
      documentClient.middlewareStack.remove(counter);
    }
  });
});

describe('DELETE /api/articles/:slug/comments/:id', () => {
  it('answers 204 and the comment is gone; the others stay', async () => {
    const author = await registerUser(api);
    const slug = await createArticle(author);
    const first = await comment(slug, { comment: { body: 'first' } }, author.token);
    await comment(slug, { comment: { body: 'second' } }, author.token);
    const response = await api.delete(
      `/api/articles/${slug}/comments/${first.body.comment.id}`,
      author.token,
    );
    expect(response.status).toBe(204);
    expect(response.body).toBeUndefined();
    const listed = await api.get(`/api/articles/${slug}/comments`);
    expect(listed.body.comments.map((c: { body: string }) => c.body)).toEqual(['second']);
  });

  it('answers 403 to anyone but the comment author, even the article author', async () => {
    const [articleAuthor, commenter] = [await registerUser(api), await registerUser(api)];
    const slug = await createArticle(articleAuthor);
    const created = await comment(slug, { comment: { body: 'mine' } }, commenter.token);
    const response = await api.delete(
      `/api/articles/${slug}/comments/${created.body.comment.id}`,
      articleAuthor.token,
    );
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ errors: { comment: ['forbidden'] } });
    expect((await api.get(`/api/articles/${slug}/comments`)).body.comments).toHaveLength(1);
  });

  it('answers 404 for an unknown or non-integer id, 404 for an unknown article, 401 without a token', async () => {
    const author = await registerUser(api);
    const slug = await createArticle(author);
    for (const id of ['99999', 'abc']) {
      const response = await api.delete(`/api/articles/${slug}/comments/${id}`, author.token);
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ errors: { comment: ['not found'] } });
    }
    const unknownArticle = await api.delete(
      `/api/articles/${uniqueName('no-such-')}/comments/1`,
      author.token,
    );
    expect(unknownArticle.status).toBe(404);
    expect(unknownArticle.body).toEqual({ errors: { article: ['not found'] } });
    const anonymous = await api.delete(`/api/articles/${slug}/comments/1`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ errors: { token: ['is missing'] } });
  });
});
