/**
 * Authentication edges over real HTTP: how the authorizer reads the Authorization header on optional
 * and required routes, the cache of the required routes' authorizer, tokens without an expiry, and
 * writes with the valid token of a user that no longer exists.
 */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { importPKCS8, SignJWT } from 'jose';
import {
  articleKey,
  commentKey,
  emailKey,
  slugKey,
  userKey,
  usernameKey,
} from '../../lambdas/shared/keys.ts';
import { JWT_ALGORITHM } from '../../lambdas/shared/tokens.ts';
import { parseFaultSpec } from '../../local/faults.ts';
import { ensureKeyPair } from '../../local/keys.ts';
import { userIdOf } from '../support/articles.ts';
import { registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';

const { runtime, db, api } = useTestRuntime();

const TOKEN_INVALID = { errors: { token: ['is invalid'] } };
const TOKEN_MISSING = { errors: { token: ['is missing'] } };

/** A GET with exactly this Authorization header (none when undefined). */
async function getWithHeader(path: string, authorization: string | undefined) {
  const response = await fetch(`${runtime().url}${path}`, {
    headers: authorization === undefined ? {} : { Authorization: authorization },
  });
  return { status: response.status, body: await response.json() };
}

describe('the Authorization header', () => {
  it('is a 401 "is invalid" on optional routes when malformed, as a bad token is', async () => {
    const user = await registerUser(api);
    const malformed = [
      'garbage',
      'Basic dXNlcjpwYXNzd29yZA==',
      `Token ${user.token} extra`,
      `JWT ${user.token}`,
    ];
    for (const path of ['/api/articles', `/api/profiles/${user.username}`]) {
      for (const header of [...malformed, 'Token not-a-jwt']) {
        expect({ header, ...(await getWithHeader(path, header)) }).toEqual({
          header,
          status: 401,
          body: TOKEN_INVALID,
        });
      }
    }
  });

  it('is "is invalid", not "is missing", on required routes when malformed', async () => {
    const user = await registerUser(api);
    for (const header of [`Token ${user.token} extra`, 'garbage', `Basic ${user.token}`]) {
      expect({ header, ...(await getWithHeader('/api/user', header)) }).toEqual({
        header,
        status: 401,
        body: TOKEN_INVALID,
      });
    }
  });

  it('is "is missing" when absent or blank, and anonymous on optional routes', async () => {
    for (const header of [undefined, '', '   ']) {
      expect(await getWithHeader('/api/user', header)).toEqual({ status: 401, body: TOKEN_MISSING });
      expect((await getWithHeader('/api/articles', header)).status).toBe(200);
    }
  });

  it('takes a valid token under the Token or Bearer scheme', async () => {
    const user = await registerUser(api);
    for (const header of [`Token ${user.token}`, `Bearer ${user.token}`, `token  ${user.token} `]) {
      expect((await getWithHeader('/api/user', header)).status).toBe(200);
      expect((await getWithHeader('/api/articles', header)).status).toBe(200);
    }
  });
});

describe('a token without an expiry', () => {
  /** A token signed with the runtime's key, like the ones it issues, with or without `exp`. */
  async function signedToken(userId: string, expires: boolean): Promise<string> {
    const key = await importPKCS8((await ensureKeyPair(runtime().keyDir)).privateKey, JWT_ALGORITHM);
    const token = new SignJWT({})
      .setProtectedHeader({ alg: JWT_ALGORITHM })
      .setSubject(userId)
      .setIssuer('conduit')
      .setIssuedAt();
    return (expires ? token.setExpirationTime('1h') : token).sign(key);
  }

  it('is rejected with 401 "is invalid"; the same token with one is accepted', async () => {
    const user = await registerUser(api);
    const userId = await userIdOf(db(), runtime(), user.username);
    const withExpiry = await api.get('/api/user', await signedToken(userId, true));
    expect(withExpiry.status).toBe(200);
    const forever = await api.get('/api/user', await signedToken(userId, false));
    expect(forever.status).toBe(401);
    expect(forever.body).toEqual(TOKEN_INVALID);
  });
});

describe('writes with the token of a user that no longer exists', () => {
  it('all answer 401 "is invalid" and change nothing', async () => {
    const ghost = await registerUser(api, 'ghost');
    const other = await registerUser(api, 'other');
    const newArticle = (title: string) => ({
      article: { title: uniqueName(title), description: 'd', body: 'b' },
    });
    const own = (await api.post('/api/articles', newArticle('own '), ghost.token)).body.article;
    const comment = (
      await api.post(`/api/articles/${own.slug}/comments`, { comment: { body: 'c' } }, ghost.token)
    ).body.comment;
    const favorited = (await api.post('/api/articles', newArticle('favorited '), other.token)).body.article;
    const unfavorited = (await api.post('/api/articles', newArticle('unfavorited '), other.token)).body
      .article;
    expect((await api.post(`/api/articles/${favorited.slug}/favorite`, undefined, ghost.token)).status).toBe(
      200,
    );
    expect((await api.post(`/api/profiles/${other.username}/follow`, undefined, ghost.token)).status).toBe(
      200,
    );

    // An operator removes the account; its token is still validly signed and unexpired.
    const ghostId = await userIdOf(db(), runtime(), ghost.username);
    const Users = runtime().tableNames.Users;
    await db().send(
      new TransactWriteCommand({
        TransactItems: [userKey(ghostId), usernameKey(ghost.username), emailKey(ghost.email)].map((pk) => ({
          Delete: { TableName: Users, Key: { pk } },
        })),
      }),
    );

    const writes: Record<string, () => ReturnType<typeof api.get>> = {
      'create article': () => api.post('/api/articles', newArticle('ghostly '), ghost.token),
      'update user': () => api.put('/api/user', { user: { bio: 'boo' } }, ghost.token),
      'update article': () =>
        api.put(`/api/articles/${own.slug}`, { article: { body: 'changed' } }, ghost.token),
      'delete article': () => api.delete(`/api/articles/${own.slug}`, ghost.token),
      favorite: () => api.post(`/api/articles/${unfavorited.slug}/favorite`, undefined, ghost.token),
      unfavorite: () => api.delete(`/api/articles/${favorited.slug}/favorite`, ghost.token),
      'add comment': () =>
        api.post(`/api/articles/${favorited.slug}/comments`, { comment: { body: 'boo' } }, ghost.token),
      'delete comment': () => api.delete(`/api/articles/${own.slug}/comments/${comment.id}`, ghost.token),
      follow: () => api.post(`/api/profiles/${other.username}/follow`, undefined, ghost.token),
      unfollow: () => api.delete(`/api/profiles/${other.username}/follow`, ghost.token),
    };
    const answers: Record<string, unknown> = {};
    for (const [name, write] of Object.entries(writes)) {
      const response = await write();
      answers[name] = { status: response.status, body: response.body };
    }
    const rejected = { status: 401, body: TOKEN_INVALID };
    expect(answers).toEqual(Object.fromEntries(Object.keys(writes).map((name) => [name, rejected])));

    // The ghost's own article and comment are unchanged (the API no longer shows an article without
    // its author, so they are read from the tables).
    const Articles = runtime().tableNames.Articles;
    const slugMarker = await db().send(
      new GetCommand({ TableName: Articles, Key: { pk: slugKey(own.slug) } }),
    );
    const ownArticle = await db().send(
      new GetCommand({ TableName: Articles, Key: { pk: articleKey(slugMarker.Item?.articleId) } }),
    );
    expect(ownArticle.Item).toMatchObject({ body: 'b', commentSeq: 1 });
    const ownComment = await db().send(
      new GetCommand({
        TableName: runtime().tableNames.Relations,
        Key: commentKey(slugMarker.Item?.articleId, comment.id),
      }),
    );
    expect(ownComment.Item).toMatchObject({ body: 'c' });
    const reader = await registerUser(api, 'reader');
    const article = async (slug: string) =>
      (await api.get(`/api/articles/${slug}`, reader.token)).body.article;
    expect(await article(favorited.slug)).toMatchObject({ favoritesCount: 1 });
    expect(await article(unfavorited.slug)).toMatchObject({ favoritesCount: 0 });
  });
});

describe('the cached authorizer of required routes', () => {
  /** A fault on every invocation of the authorizer: a request that still passes never invoked it. */
  const breakAuthorizer = () => runtime().faults.set(parseFaultSpec('lambda/authorizer:ServiceException'));

  it('runs once per token: later required routes reuse its decision, optional routes run it again', async () => {
    const user = await registerUser(api);
    runtime().authorizerCache.flush();
    expect((await api.get('/api/user', user.token)).status).toBe(200);
    breakAuthorizer();
    try {
      // The cached policy covers every required route, reads and workflow writes alike.
      expect((await api.get('/api/articles/feed', user.token)).status).toBe(200);
      expect((await api.put('/api/user', { user: { bio: 'cached' } }, user.token)).status).toBe(200);
      // An optional route has the uncached authorizer, which now cannot be invoked: 503.
      expect((await api.get('/api/articles', user.token)).status).toBe(503);
      // A token seen for the first time has no cache entry either.
      const other = await registerUser(api);
      expect((await api.get('/api/user', other.token)).status).toBe(503);
      // A missing header is API Gateway's own 401, without the function.
      expect(await getWithHeader('/api/user', undefined)).toEqual({ status: 401, body: TOKEN_MISSING });
      runtime().authorizerCache.flush();
      expect((await api.get('/api/user', user.token)).status).toBe(503);
    } finally {
      runtime().faults.clear();
    }
  });

  it('caches a denial too, and never a failure to decide', async () => {
    const header = 'Token not-a-jwt';
    runtime().authorizerCache.flush();
    breakAuthorizer();
    try {
      expect((await getWithHeader('/api/user', header)).status).toBe(503);
    } finally {
      runtime().faults.clear();
    }
    expect(await getWithHeader('/api/user', header)).toEqual({ status: 401, body: TOKEN_INVALID });
    breakAuthorizer();
    try {
      expect(await getWithHeader('/api/articles/feed', header)).toEqual({ status: 401, body: TOKEN_INVALID });
    } finally {
      runtime().faults.clear();
    }
  });
});
