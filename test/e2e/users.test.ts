/** The user/auth slice over real HTTP: gateway → authorizer → workflow / Lambda → DynamoDB Local. */
import { describe, expect, it } from '@jest/globals';
import { registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';

const { runtime, api } = useTestRuntime();

describe('POST /api/users', () => {
  it('registers a user with 201 and a token that authenticates GET /api/user', async () => {
    const username = uniqueName('jake');
    const response = await api.post('/api/users', {
      user: { username, email: `${username}@Example.com`, password: 'jakejake' },
    });
    expect(response.status).toBe(201);
    expect(response.body.user).toEqual({
      username,
      email: `${username}@Example.com`,
      bio: null,
      image: null,
      token: expect.any(String),
    });
    const current = await api.get('/api/user', response.body.user.token);
    expect(current.status).toBe(200);
    expect(current.body.user.username).toBe(username);
    expect(current.body.user.token).toBe(response.body.user.token);
  });

  it('answers 422 "can\'t be blank" for each blank field', async () => {
    const response = await api.post('/api/users', { user: { username: '', email: ' ', password: '' } });
    expect(response.status).toBe(422);
    expect(response.body).toEqual({
      errors: { username: ["can't be blank"], email: ["can't be blank"], password: ["can't be blank"] },
    });
  });

  it('answers 422 for a missing user object and 400 for malformed JSON', async () => {
    expect((await api.post('/api/users', {})).body).toEqual({ errors: { user: ["can't be blank"] } });
    const malformed = await api.post('/api/users', '{"user":');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({ errors: { body: ['is not valid JSON'] } });
  });

  it('answers 409 for a taken username and for a taken email (case-insensitive)', async () => {
    const taken = await registerUser(api);
    const sameUsername = await api.post('/api/users', {
      user: {
        username: taken.username,
        email: `${uniqueName('other')}@example.com`,
        password: 'password123',
      },
    });
    expect(sameUsername.status).toBe(409);
    expect(sameUsername.body).toEqual({ errors: { username: ['has already been taken'] } });
    const sameEmail = await api.post('/api/users', {
      user: { username: uniqueName('other'), email: taken.email.toUpperCase(), password: 'password123' },
    });
    expect(sameEmail.status).toBe(409);
    expect(sameEmail.body).toEqual({ errors: { email: ['has already been taken'] } });
  });

  it('lets exactly one of several concurrent registrations of the same username win', async () => {
    const username = uniqueName('race');
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, index) =>
        api.post('/api/users', {
          user: { username, email: `${username}${index}@example.com`, password: 'password123' },
        }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409]);
  });
});

describe('POST /api/users/login', () => {
  it('logs in with the right password and answers 401 credentials invalid otherwise', async () => {
    const user = await registerUser(api);
    const ok = await api.post('/api/users/login', { user: { email: user.email, password: user.password } });
    expect(ok.status).toBe(200);
    expect(ok.body.user.username).toBe(user.username);
    const wrong = await api.post('/api/users/login', {
      user: { email: user.email, password: 'wrong-password' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ errors: { credentials: ['invalid'] } });
    const unknown = await api.post('/api/users/login', {
      user: { email: 'nobody@example.com', password: 'x' },
    });
    expect(unknown.status).toBe(401);
  });

  it('answers 422 for a blank email or password', async () => {
    const response = await api.post('/api/users/login', { user: { email: '', password: '' } });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual({ email: ["can't be blank"], password: ["can't be blank"] });
  });
});

describe('authentication', () => {
  it('answers 401 "is missing" without a token on a required route', async () => {
    const response = await api.get('/api/user');
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { token: ['is missing'] } });
    expect((await api.put('/api/user', { user: { bio: 'x' } })).status).toBe(401);
  });

  it('answers 401 for a tampered or garbage token', async () => {
    const user = await registerUser(api);
    const [header, payload, signature] = user.token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'someone-else', iss: 'conduit' })).toString(
      'base64url',
    );
    for (const token of [
      `${header}.${forgedPayload}.${signature}`,
      'not-a-jwt',
      `${header}.${payload}.AAAA`,
    ]) {
      const response = await api.get('/api/user', token);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ errors: { token: ['is invalid'] } });
    }
  });
});

describe('PUT /api/user', () => {
  it('updates bio and image, storing "" as null', async () => {
    const user = await registerUser(api);
    const updated = await api.put(
      '/api/user',
      { user: { bio: 'I like tests', image: 'https://img/x.png' } },
      user.token,
    );
    expect(updated.status).toBe(200);
    expect(updated.body.user).toMatchObject({ bio: 'I like tests', image: 'https://img/x.png' });
    const cleared = await api.put('/api/user', { user: { bio: '', image: '' } }, user.token);
    expect(cleared.body.user).toMatchObject({ bio: null, image: null });
    expect((await api.get('/api/user', user.token)).body.user).toMatchObject({ bio: null, image: null });
  });

  it('changes email and username, freeing the old ones and keeping the new ones unique', async () => {
    const user = await registerUser(api);
    const other = await registerUser(api);
    const newName = uniqueName('renamed');
    const renamed = await api.put(
      '/api/user',
      { user: { username: newName, email: `${newName}@example.com` } },
      user.token,
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body.user).toMatchObject({ username: newName, email: `${newName}@example.com` });
    // The old username and email are free again.
    const reuse = await api.post('/api/users', {
      user: { username: user.username, email: user.email, password: 'password123' },
    });
    expect(reuse.status).toBe(201);
    // Someone else's are not.
    const clash = await api.put('/api/user', { user: { email: other.email } }, user.token);
    expect(clash.status).toBe(409);
    expect(clash.body).toEqual({ errors: { email: ['has already been taken'] } });
    const clashName = await api.put('/api/user', { user: { username: other.username } }, user.token);
    expect(clashName.status).toBe(409);
    expect(clashName.body).toEqual({ errors: { username: ['has already been taken'] } });
  });

  it('accepts re-sending your own email and username', async () => {
    const user = await registerUser(api);
    const response = await api.put(
      '/api/user',
      { user: { email: user.email, username: user.username, bio: 'same' } },
      user.token,
    );
    expect(response.status).toBe(200);
  });

  it('rehashes a changed password', async () => {
    const user = await registerUser(api);
    expect((await api.put('/api/user', { user: { password: 'new-password' } }, user.token)).status).toBe(200);
    const oldLogin = await api.post('/api/users/login', {
      user: { email: user.email, password: user.password },
    });
    expect(oldLogin.status).toBe(401);
    const newLogin = await api.post('/api/users/login', {
      user: { email: user.email, password: 'new-password' },
    });
    expect(newLogin.status).toBe(200);
  });

  it('rejects null or blank email, username and password, and short passwords, with 422', async () => {
    const user = await registerUser(api);
    for (const change of [
      { email: null },
      { username: '' },
      { password: null },
      { password: 'short7c' },
      { email: 'nope' },
    ]) {
      const response = await api.put('/api/user', { user: change }, user.token);
      expect(response.status).toBe(422);
      expect(Object.keys(response.body.errors)).toEqual(Object.keys(change));
    }
  });
});

describe('the gateway', () => {
  it('answers CORS preflight requests', async () => {
    const response = await fetch(`${runtime().url}/api/articles`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://localhost:4200', 'Access-Control-Request-Method': 'POST' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('Authorization');
  });

  it('answers 404 JSON for an unknown route and 413 for an oversized body', async () => {
    const unknown = await api.get('/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ errors: { route: ['not found'] } });
    const huge = await api.post('/api/users', { user: { username: 'x'.repeat(300 * 1024) } });
    expect(huge.status).toBe(413);
  });

  it('logs one line per request with a link to the workflow execution', async () => {
    await registerUser(api);
    expect(
      runtime().logLines.some((line) =>
        /^POST \/api\/users 201 \d+ms register-user http:\/\/localhost:\d+\/_local\/executions\/\S+$/.test(
          line,
        ),
      ),
    ).toBe(true);
  });
});
