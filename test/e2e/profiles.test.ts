/** Profiles and follows over real HTTP: gateway → authorizer → workflow / Lambda → DynamoDB Local. */
import { describe, expect, it } from '@jest/globals';
import { registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';

const { api } = useTestRuntime();

const profile = (username: string, following: boolean) => ({
  profile: { username, bio: null, image: null, following },
});

describe('GET /api/profiles/:username', () => {
  it('answers the profile to anonymous and authenticated callers, following: false', async () => {
    const [me, them] = [await registerUser(api), await registerUser(api)];
    for (const token of [undefined, me.token]) {
      const response = await api.get(`/api/profiles/${them.username}`, token);
      expect(response.status).toBe(200);
      expect(response.body).toEqual(profile(them.username, false));
    }
  });

  it('shows the bio and image the user set', async () => {
    const them = await registerUser(api);
    await api.put('/api/user', { user: { bio: 'Hi', image: 'https://img/x.png' } }, them.token);
    const response = await api.get(`/api/profiles/${them.username}`);
    expect(response.body.profile).toEqual({
      username: them.username,
      bio: 'Hi',
      image: 'https://img/x.png',
      following: false,
    });
  });

  it('answers 404 profile not found for an unknown username', async () => {
    const response = await api.get(`/api/profiles/${uniqueName('nobody')}`);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ errors: { profile: ['not found'] } });
  });

  it('answers 401 for a bad token even though auth is optional', async () => {
    const them = await registerUser(api);
    const response = await api.get(`/api/profiles/${them.username}`, 'not-a-jwt');
    expect(response.status).toBe(401);
  });
});

describe('POST and DELETE /api/profiles/:username/follow', () => {
  it('follows and unfollows; GET reflects each, for that caller only, and repeats are harmless', async () => {
    const [me, them, bystander] = [await registerUser(api), await registerUser(api), await registerUser(api)];
    const path = `/api/profiles/${them.username}/follow`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const followed = await api.post(path, undefined, me.token);
      expect(followed.status).toBe(200);
      expect(followed.body).toEqual(profile(them.username, true));
    }
    expect((await api.get(`/api/profiles/${them.username}`, me.token)).body).toEqual(
      profile(them.username, true),
    );
    expect((await api.get(`/api/profiles/${them.username}`, bystander.token)).body.profile.following).toBe(
      false,
    );
    expect((await api.get(`/api/profiles/${them.username}`)).body.profile.following).toBe(false);
    // Following is one-way.
    expect((await api.get(`/api/profiles/${me.username}`, them.token)).body.profile.following).toBe(false);

    for (let attempt = 0; attempt < 2; attempt++) {
      const unfollowed = await api.delete(path, me.token);
      expect(unfollowed.status).toBe(200);
      expect(unfollowed.body).toEqual(profile(them.username, false));
    }
    expect((await api.get(`/api/profiles/${them.username}`, me.token)).body.profile.following).toBe(false);
  });

  it('answers 422 for following yourself', async () => {
    const me = await registerUser(api);
    const response = await api.post(`/api/profiles/${me.username}/follow`, undefined, me.token);
    expect(response.status).toBe(422);
    expect(response.body).toEqual({ errors: { profile: ['cannot be followed by yourself'] } });
    expect((await api.get(`/api/profiles/${me.username}`, me.token)).body.profile.following).toBe(false);
  });

  it('follows and unfollows a user whose name holds a backslash (the workflows build keys from it)', async () => {
    const me = await registerUser(api);
    const username = uniqueName('back\\slash');
    const user = { username, email: `${uniqueName('backslash')}@example.com`, password: 'password123' };
    expect((await api.post('/api/users', { user })).status).toBe(201);
    const path = `/api/profiles/${encodeURIComponent(username)}`;
    expect((await api.get(path, me.token)).body).toEqual(profile(username, false));
    const followed = await api.post(`${path}/follow`, undefined, me.token);
    expect(followed.status).toBe(200);
    expect(followed.body).toEqual(profile(username, true));
    expect((await api.get(path, me.token)).body).toEqual(profile(username, true));
    const unfollowed = await api.delete(`${path}/follow`, me.token);
    expect(unfollowed.status).toBe(200);
    expect((await api.get(path, me.token)).body).toEqual(profile(username, false));
  });

  it('answers 404 for an unknown username and 401 without a token', async () => {
    const me = await registerUser(api);
    const path = `/api/profiles/${uniqueName('nobody')}/follow`;
    for (const response of [await api.post(path, undefined, me.token), await api.delete(path, me.token)]) {
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ errors: { profile: ['not found'] } });
    }
    for (const response of [await api.post(path), await api.delete(path)]) {
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ errors: { token: ['is missing'] } });
    }
  });
});
