/**
 * Over HTTP, with the stream poller applying the Pipe filters of schemas/events.ts: a favorite, an
 * unfavorite, a comment and its deletion move only counters the search index does not hold, so
 * they start no article-events execution and write nothing to search; an update of the same
 * article still reindexes it, also when counter writes come just before and after it. Run in both
 * delivery modes (a runtime per process): events-counters.test.ts settles the events before each
 * answer (the default), events-counters-async.test.ts after it (--async-events).
 */
import { afterEach, expect, it } from '@jest/globals';
import type { SearchDocument } from '../../lambdas/shared/search/article-search.ts';
import { articleSearch } from '../../lambdas/shared/search/configured.ts';
import { recordStarts } from '../support/events.ts';
import { type ApiClient, registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';

/** Counts the writes (upserts and removals) to the process's search index until restored. */
async function countSearchWrites() {
  const search = await articleSearch();
  const { upsert, remove } = search;
  const written: string[] = [];
  search.upsert = async (document: SearchDocument) => {
    written.push(document.id);
    return upsert.call(search, document);
  };
  search.remove = async (articleId: string) => {
    written.push(articleId);
    return remove.call(search, articleId);
  };
  return {
    count: () => written.length,
    restore: () => {
      search.upsert = upsert;
      search.remove = remove;
    },
  };
}

export function counterWriteTests(asyncEvents: boolean): void {
  let restoreSearch: (() => void) | undefined;
  afterEach(() => restoreSearch?.());
  const { api, runtime } = useTestRuntime({ asyncEvents });

  /** An article of a new author, its events settled; from then on its workflows and search writes are counted. */
  async function articleWatched(client: ApiClient, word: string) {
    const author = await registerUser(client, 'author');
    const created = await client.post(
      '/api/articles',
      { article: { title: `About ${word}`, description: 'd', body: 'b', tagList: ['quiet'] } },
      author.token,
    );
    expect(created.status).toBe(201);
    await runtime().events.settle();
    const starts = recordStarts(runtime());
    const searchWrites = await countSearchWrites();
    restoreSearch = searchWrites.restore;
    return {
      author,
      slug: created.body.article.slug as string,
      /** Executions started since, by workflow; and search writes since. */
      async settled() {
        await runtime().events.settle();
        return {
          workflows: starts.started.map(({ workflow }) => workflow),
          searchWrites: searchWrites.count(),
        };
      },
    };
  }

  const searched = async (word: string) =>
    (await api.get(`/api/articles?q=${word}`)).body.articles.map(({ slug }: { slug: string }) => slug);

  it('a favorite, an unfavorite, a comment and its deletion start no workflow and write nothing to search', async () => {
    const reader = await registerUser(api, 'reader');
    const { slug, settled } = await articleWatched(api, uniqueName('quiet'));

    expect((await api.post(`/api/articles/${slug}/favorite`, undefined, reader.token)).status).toBe(200);
    expect((await api.delete(`/api/articles/${slug}/favorite`, reader.token)).status).toBe(200);
    const comment = await api.post(
      `/api/articles/${slug}/comments`,
      { comment: { body: 'hi' } },
      reader.token,
    );
    expect(comment.status).toBe(201);
    const deleted = await api.delete(
      `/api/articles/${slug}/comments/${comment.body.comment.id}`,
      reader.token,
    );
    expect(deleted.status).toBe(204);
    expect((await api.post(`/api/articles/${slug}/favorite`, undefined, reader.token)).status).toBe(200);

    expect(await settled()).toEqual({ workflows: [], searchWrites: 0 });
    const read = await api.get(`/api/articles/${slug}`, reader.token);
    expect(read.body.article).toMatchObject({ favorited: true, favoritesCount: 1 });
  });

  it('an update between two favorites is reindexed once, and the favorites are not', async () => {
    const reader = await registerUser(api, 'reader');
    const [before, after] = [uniqueName('before'), uniqueName('after')];
    const { author, slug, settled } = await articleWatched(api, before);

    expect((await api.post(`/api/articles/${slug}/favorite`, undefined, reader.token)).status).toBe(200);
    const updated = await api.put(
      `/api/articles/${slug}`,
      { article: { title: `About ${after}` } },
      author.token,
    );
    expect(updated.status).toBe(200);
    const renamed = updated.body.article.slug as string;
    expect((await api.post(`/api/articles/${renamed}/favorite`, undefined, author.token)).status).toBe(200);

    expect(await settled()).toEqual({ workflows: ['article-events'], searchWrites: 1 });
    expect(await searched(after)).toEqual([renamed]);
    expect(await searched(before)).toEqual([]);
    const read = await api.get(`/api/articles/${renamed}`, reader.token);
    expect(read.body.article).toMatchObject({ title: `About ${after}`, favorited: true, favoritesCount: 2 });
  });
}
