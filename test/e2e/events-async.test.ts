/**
 * --async-events over HTTP: writes answer before their stream events are processed, as in
 * production, and the feed catches up a moment later.
 */
import { describe, expect, it } from '@jest/globals';
import { registerUser, useTestRuntime } from '../support/runtime.ts';

describe('--async-events: writes answer first, events follow', () => {
  const { api } = useTestRuntime({ asyncEvents: true });

  it("brings a followed author's new article into the feed shortly after the write", async () => {
    const [reader, celeb] = [await registerUser(api, 'reader'), await registerUser(api, 'celeb')];
    await api.post(`/api/profiles/${celeb.username}/follow`, undefined, reader.token);
    const created = await api.post(
      '/api/articles',
      { article: { title: 'Later', description: 'd', body: 'b' } },
      celeb.token,
    );
    expect(created.status).toBe(201);
    const deadline = Date.now() + 5000;
    let count = 0;
    while (count === 0 && Date.now() < deadline) {
      count = (await api.get('/api/articles/feed', reader.token)).body.articlesCount;
      if (count === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(count).toBe(1);
  });
});
