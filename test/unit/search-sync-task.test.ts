/** The sync-search-index task applies article changes to the configured (here: embedded) index. */
import { describe, expect, it } from '@jest/globals';
import { embeddedArticleSearch } from '../../lambdas/shared/search/embedded.ts';
import { handler, type SyncSearchIndexInput } from '../../lambdas/tasks/sync-search-index.ts';

const article = {
  pk: 'article#sync-1',
  id: 'sync-1',
  slug: 'how-to-train-your-dragon',
  title: 'How to train your dragon',
  description: 'Ever wonder how?',
  body: 'You have to believe',
  tagList: ['training', 'dragons'],
  authorId: 'author-1',
  createdAt: '2026-01-02T03:04:05.678Z',
  updatedAt: '2026-01-02T03:04:05.678Z',
  favoritesCount: 0,
  commentSeq: 0,
};

describe('sync-search-index', () => {
  it('upserts an article record and removes it by id', async () => {
    expect(await handler({ action: 'upsert', article })).toEqual({ action: 'upsert', articleId: 'sync-1' });
    expect(await embeddedArticleSearch.list({ tag: 'dragons', limit: 20, offset: 0 })).toEqual({
      ids: ['sync-1'],
      total: 1,
    });
    expect(await embeddedArticleSearch.tags()).toEqual(['dragons', 'training']);
    expect(await embeddedArticleSearch.list({ q: 'believe', limit: 20, offset: 0 })).toEqual({
      ids: ['sync-1'],
      total: 1,
    });

    expect(await handler({ action: 'remove', articleId: 'sync-1' })).toEqual({
      action: 'remove',
      articleId: 'sync-1',
    });
    expect(await embeddedArticleSearch.list({ limit: 20, offset: 0 })).toEqual({ ids: [], total: 0 });
  });

  it('throws on malformed input: a workflow bug must fail loudly, not index garbage', async () => {
    for (const input of [
      { action: 'upsert', article: { ...article, createdAt: 'yesterday' } },
      { action: 'upsert', article: { ...article, body: undefined } },
      { action: 'upsert', article: { id: { S: 'sync-1' } } },
      { action: 'remove' },
      { action: 'reindex', articleId: 'sync-1' },
    ]) {
      await expect(handler(input as unknown as SyncSearchIndexInput)).rejects.toThrow();
    }
  });
});
