/**
 * Inputs a fuzzer sends, over real HTTP: each gets a 4xx in the RealWorld format, never a 500. Values
 * that would make a DynamoDB key longer than its 2048 bytes, a path that does not decode, a body
 * nested deeper than API Gateway parses, and a body too large followed by another request on the
 * same connection.
 */
import { Agent, request as httpRequest } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import { registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';

const { runtime, api } = useTestRuntime();

/** 1,100 × é: 2,200 bytes in UTF-8, more than any DynamoDB partition key holds. */
const HUGE = 'é'.repeat(1100);
const huge = encodeURIComponent(HUGE);

describe('path values too long to be a key', () => {
  it('are 404 on the read routes', async () => {
    expect(await api.get(`/api/articles/${huge}`)).toMatchObject({
      status: 404,
      body: { errors: { article: ['not found'] } },
    });
    expect(await api.get(`/api/articles/${huge}/comments`)).toMatchObject({
      status: 404,
      body: { errors: { article: ['not found'] } },
    });
    expect(await api.get(`/api/profiles/${huge}`)).toMatchObject({
      status: 404,
      body: { errors: { profile: ['not found'] } },
    });
  });

  it('are 404 on the write routes', async () => {
    const user = await registerUser(api);
    const articleNotFound = { status: 404, body: { errors: { article: ['not found'] } } };
    const profileNotFound = { status: 404, body: { errors: { profile: ['not found'] } } };
    const writes = {
      'update article': () => api.put(`/api/articles/${huge}`, { article: { body: 'b' } }, user.token),
      'delete article': () => api.delete(`/api/articles/${huge}`, user.token),
      favorite: () => api.post(`/api/articles/${huge}/favorite`, undefined, user.token),
      unfavorite: () => api.delete(`/api/articles/${huge}/favorite`, user.token),
      'add comment': () => api.post(`/api/articles/${huge}/comments`, { comment: { body: 'c' } }, user.token),
      'delete comment': () => api.delete(`/api/articles/${huge}/comments/1`, user.token),
      follow: () => api.post(`/api/profiles/${huge}/follow`, undefined, user.token),
      unfollow: () => api.delete(`/api/profiles/${huge}/follow`, user.token),
    };
    const answers: Record<string, unknown> = {};
    for (const [name, write] of Object.entries(writes)) {
      const { status, body } = await write();
      answers[name] = { status, body };
    }
    expect(answers).toEqual({
      'update article': articleNotFound,
      'delete article': articleNotFound,
      favorite: articleNotFound,
      unfavorite: articleNotFound,
      'add comment': articleNotFound,
      'delete comment': articleNotFound,
      follow: profileNotFound,
      unfollow: profileNotFound,
    });
  });
});

describe('values too long to be a username or an email', () => {
  it('are 422 as ?author= and ?favorited= filters', async () => {
    for (const filter of ['author', 'favorited']) {
      const response = await api.get(`/api/articles?${filter}=${huge}`);
      expect(response.status).toBe(422);
      expect(Object.keys(response.body.errors)).toEqual([filter]);
    }
  });

  it('are 422 in registration, login and user updates', async () => {
    const user = await registerUser(api);
    const username = uniqueName('long');
    const tooLong = (field: string) => ({
      status: 422,
      body: { errors: { [field]: [expect.stringMatching(/^is too long/)] } },
    });
    const answer = async (response: Promise<{ status: number; body: unknown }>) => {
      const { status, body } = await response;
      return { status, body };
    };
    expect(
      await answer(
        api.post('/api/users', {
          user: { username: HUGE, email: `${username}@x.io`, password: 'password123' },
        }),
      ),
    ).toEqual(tooLong('username'));
    expect(
      await answer(
        api.post('/api/users', { user: { username, email: `${HUGE}@x.io`, password: 'password123' } }),
      ),
    ).toEqual(tooLong('email'));
    expect(
      await answer(
        api.post('/api/users/login', { user: { email: `${HUGE}@x.io`, password: 'password123' } }),
      ),
    ).toEqual(tooLong('email'));
    expect(await answer(api.put('/api/user', { user: { username: HUGE } }, user.token))).toEqual(
      tooLong('username'),
    );
    expect(await answer(api.put('/api/user', { user: { email: `${HUGE}@x.io` } }, user.token))).toEqual(
      tooLong('email'),
    );
  });
});

describe('a path that does not decode', () => {
  it('matches no route: 404 with CORS, on read and write routes', async () => {
    const user = await registerUser(api);
    for (const [method, path] of [
      ['GET', '/api/articles/%E0%A4%A'],
      ['GET', '/api/profiles/%ZZ'],
      ['POST', '/api/articles/%E0%A4%A/favorite'],
    ] as const) {
      const response = await api.raw(method, path, undefined, user.token);
      expect({ method, path, status: response.status, body: response.body }).toEqual({
        method,
        path,
        status: 404,
        body: { errors: { route: ['not found'] } },
      });
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    }
  });
});

describe('a body nested 10,000 deep', () => {
  it('is a 400 on a workflow route, as a body that cannot be parsed', async () => {
    const user = await registerUser(api);
    const deep = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    for (const [method, path] of [
      ['POST', '/api/articles'],
      ['PUT', '/api/user'],
    ] as const) {
      const response = await api.raw(method, path, deep, user.token);
      expect({ path, status: response.status, body: response.body }).toEqual({
        path,
        status: 400,
        body: { errors: { body: ['is not valid JSON'] } },
      });
    }
  });
});

describe('a body too large', () => {
  it('is a 413, and the next request on the same keep-alive connection is answered', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const { port } = new URL(runtime().url);
    const send = (method: string, path: string, body?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(
          {
            host: '127.0.0.1',
            port,
            method,
            path,
            agent,
            headers: body ? { 'Content-Type': 'application/json' } : {},
          },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              text += chunk;
            });
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
          },
        );
        request.on('error', reject);
        request.end(body);
      });
    try {
      const large = JSON.stringify({ user: { email: 'x'.repeat(300 * 1024), password: 'p' } });
      expect(await send('POST', '/api/users/login', large)).toEqual({
        status: 413,
        body: JSON.stringify({ errors: { body: ['is too large'] } }),
      });
      expect((await send('GET', '/api/tags')).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });
});
