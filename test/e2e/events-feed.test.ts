/**
 * Read-your-writes over HTTP: in the default mode a write answers only after the stream events it
 * caused were processed, so the very next request sees the feed the event workflows wrote. (The
 * --async-events mode: events-async.test.ts; the handler modules bind one runtime per process.)
 */
import { describe, expect, it } from '@jest/globals';
import { registerUser, useTestRuntime } from '../support/runtime.ts';

describe('default mode: events settle before a write answers', () => {
  const { api } = useTestRuntime();

  it("shows a followed author's new article in the very next feed request, and drops it after unfollow and delete", async () => {
    const [reader, celeb] = [await registerUser(api, 'reader'), await registerUser(api, 'celeb')];
    expect((await api.post(`/api/profiles/${celeb.username}/follow`, undefined, reader.token)).status).toBe(
      200,
    );
    const created = await api.post(
      '/api/articles',
      { article: { title: 'Fresh news', description: 'd', body: 'b', tagList: ['events'] } },
      celeb.token,
    );
    expect(created.status).toBe(201);
    const { slug } = created.body.article;

    const feed = await api.get('/api/articles/feed', reader.token);
    expect(feed.status).toBe(200);
    expect(feed.body.articlesCount).toBe(1);
    expect(feed.body.articles.map((article: { slug: string }) => article.slug)).toEqual([slug]);
    expect((await api.get('/api/articles/feed', celeb.token)).body.articlesCount).toBe(0);

    expect((await api.delete(`/api/profiles/${celeb.username}/follow`, reader.token)).status).toBe(200);
    expect((await api.get('/api/articles/feed', reader.token)).body.articlesCount).toBe(0);

    expect((await api.post(`/api/profiles/${celeb.username}/follow`, undefined, reader.token)).status).toBe(
      200,
    );
    expect((await api.get('/api/articles/feed', reader.token)).body.articlesCount).toBe(1);
    expect((await api.delete(`/api/articles/${slug}`, celeb.token)).status).toBe(204);
    expect((await api.get('/api/articles/feed', reader.token)).body.articlesCount).toBe(0);
  });
});
