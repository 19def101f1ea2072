/**
 * The authorizer when the JWT key cannot be read (in AWS: Secrets Manager throttled or timing out at
 * a cold start), over real HTTP. Its own file: the key is read once per module instance, so this
 * must run before anything in the process has read it.
 */
import { renameSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { registerUser, useTestRuntime } from '../support/runtime.ts';

const { runtime, api } = useTestRuntime();

describe('a key read that fails', () => {
  it('answers 503 with CORS instead of denying the token, and is tried again on the next request', async () => {
    const keyDir = process.env.JWT_KEY_DIR ?? '';
    renameSync(keyDir, `${keyDir}.away`);
    try {
      for (const path of ['/api/user', '/api/articles']) {
        const response = await fetch(`${runtime().url}${path}`, {
          headers: { Authorization: 'Token eyJhbGciOiJFUzI1NiJ9.e30.c2lnbmF0dXJl' },
        });
        expect({ path, status: response.status, body: await response.json() }).toEqual({
          path,
          status: 503,
          body: { errors: { service: ['temporarily unavailable, retry shortly'] } },
        });
        expect(response.headers.get('access-control-allow-origin')).toBe('*');
      }
    } finally {
      renameSync(`${keyDir}.away`, keyDir);
    }

    const user = await registerUser(api);
    const current = await api.get('/api/user', user.token);
    expect(current.status).toBe(200);
    expect(current.body.user.username).toBe(user.username);
  });
});
