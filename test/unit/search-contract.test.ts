/**
 * The ArticleSearch contract, run against every adapter: the embedded engine always, and a real
 * OpenSearch when OPENSEARCH_URL is set (each test then works in its own throw-away alias).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Client } from '@opensearch-project/opensearch';
import type { ArticleSearch, SearchDocument } from '../../lambdas/shared/search/article-search.ts';
import { EmbeddedArticleSearch } from '../../lambdas/shared/search/embedded.ts';
import { OpenSearchArticleSearch } from '../../lambdas/shared/search/opensearch.ts';

interface Adapter {
  readonly name: string;
  create(): ArticleSearch;
}

const adapters: Adapter[] = [{ name: 'embedded', create: () => new EmbeddedArticleSearch() }];

const openSearchUrl = process.env.OPENSEARCH_URL;
const client = openSearchUrl ? new Client({ node: openSearchUrl }) : undefined;
const aliases: string[] = [];
if (client) {
  adapters.push({
    name: `OpenSearch ${openSearchUrl}`,
    create: () => {
      const alias = `contract-${randomUUID()}`;
      aliases.push(alias);
      return new OpenSearchArticleSearch(client, alias, 0);
    },
  });
}
afterAll(async () => {
  for (const alias of aliases) await client?.indices.delete({ index: `${alias}-*` });
  await client?.close();
});

const at = (minute: number, ms = 0) =>
  `2026-01-02T03:${String(minute).padStart(2, '0')}:00.${String(ms).padStart(3, '0')}Z`;
const doc = (id: string, minute: number, tagList: string[] = [], updatedMinute = minute): SearchDocument => ({
  id,
  tagList,
  createdAt: at(minute),
  updatedAt: at(updatedMinute),
});

async function* batches(...pages: SearchDocument[][]) {
  yield* pages;
}

describe.each(adapters)('ArticleSearch ($name)', ({ create }) => {
  it('lists nothing, and no tags, before anything is indexed', async () => {
    const search = create();
    expect(await search.list({ limit: 20, offset: 0 })).toEqual({ ids: [], total: 0 });
    expect(await search.tags()).toEqual([]);
  });

  it('lists newest first with the total, paging with limit and offset', async () => {
    const search = create();
    for (const document of [doc('a', 1), doc('c', 3), doc('b', 2), doc('d', 4)])
      await search.upsert(document);
    expect(await search.list({ limit: 20, offset: 0 })).toEqual({ ids: ['d', 'c', 'b', 'a'], total: 4 });
    expect(await search.list({ limit: 2, offset: 1 })).toEqual({ ids: ['c', 'b'], total: 4 });
    expect(await search.list({ limit: 2, offset: 4 })).toEqual({ ids: [], total: 4 });
  });

  it('breaks ties of createdAt by id, so pages never overlap', async () => {
    const search = create();
    for (const id of ['x1', 'x3', 'x2']) await search.upsert(doc(id, 5));
    const first = await search.list({ limit: 2, offset: 0 });
    const second = await search.list({ limit: 2, offset: 2 });
    expect([...first.ids, ...second.ids]).toEqual(['x3', 'x2', 'x1']);
  });

  it('filters by exact tag (keyword, case-sensitive)', async () => {
    const search = create();
    await search.upsert(doc('a', 1, ['dragons', 'training']));
    await search.upsert(doc('b', 2, ['dragons']));
    await search.upsert(doc('c', 3, ['Dragons', 'dragons training']));
    expect(await search.list({ tag: 'dragons', limit: 20, offset: 0 })).toEqual({
      ids: ['b', 'a'],
      total: 2,
    });
    expect(await search.list({ tag: 'dragons', limit: 1, offset: 1 })).toEqual({ ids: ['a'], total: 2 });
    expect(await search.list({ tag: 'dragon', limit: 20, offset: 0 })).toEqual({ ids: [], total: 0 });
  });

  it('lists distinct tags, most used first and ties alphabetically', async () => {
    const search = create();
    await search.upsert(doc('a', 1, ['b', 'c']));
    await search.upsert(doc('b', 2, ['c', 'z']));
    await search.upsert(doc('c', 3, ['a', 'c', 'z']));
    expect(await search.tags()).toEqual(['c', 'z', 'a', 'b']);
  });

  it('replaces a document on upsert, and ignores one older than the indexed copy', async () => {
    const search = create();
    await search.upsert(doc('a', 1, ['old'], 1));
    await search.upsert(doc('a', 1, ['new'], 3));
    await search.upsert(doc('a', 1, ['stale'], 2));
    expect(await search.list({ limit: 20, offset: 0 })).toEqual({ ids: ['a'], total: 1 });
    expect(await search.tags()).toEqual(['new']);
    await search.upsert(doc('a', 1, ['new'], 3)); // a redelivered event is harmless
    expect(await search.tags()).toEqual(['new']);
  });

  it('removes a document and its tags; removing an unknown id is harmless', async () => {
    const search = create();
    await search.upsert(doc('a', 1, ['gone']));
    await search.upsert(doc('b', 2, ['kept']));
    await search.remove('a');
    await search.remove('a');
    await search.remove('never-indexed');
    expect(await search.list({ limit: 20, offset: 0 })).toEqual({ ids: ['b'], total: 1 });
    expect(await search.tags()).toEqual(['kept']);
  });

  it('never brings a removed article back: a late upsert (events out of order) is ignored', async () => {
    const search = create();
    await search.upsert(doc('a', 1, ['t'], 1));
    await search.remove('a');
    await search.upsert(doc('a', 1, ['t'], 5));
    await search.upsert(doc('b', 2, ['u']));
    expect(await search.list({ limit: 20, offset: 0 })).toEqual({ ids: ['b'], total: 1 });
    expect(await search.list({ tag: 't', limit: 20, offset: 0 })).toEqual({ ids: [], total: 0 });
    expect(await search.tags()).toEqual(['u']);
  });

  it('reads back every live document, and none that was removed', async () => {
    const search = create();
    for (let minute = 0; minute < 30; minute++) await search.upsert(doc(`d${minute}`, minute, ['t']));
    await search.remove('d7');
    const ids: string[] = [];
    for await (const batch of search.documents()) ids.push(...batch.map((document) => document.id));
    expect(ids.sort()).toEqual(
      Array.from({ length: 30 }, (_, minute) => `d${minute}`)
        .filter((id) => id !== 'd7')
        .sort(),
    );
  });

  it('rebuilds: afterwards the index holds exactly the given documents', async () => {
    const search = create();
    await search.upsert(doc('stale', 9, ['stale']));
    const count = await search.rebuild(batches([doc('a', 1, ['t'])], [], [doc('b', 2, ['t', 'u'])]));
    expect(count).toBe(2);
    expect(await search.list({ limit: 20, offset: 0 })).toEqual({ ids: ['b', 'a'], total: 2 });
    expect(await search.tags()).toEqual(['t', 'u']);
    await search.upsert(doc('c', 3)); // still writable after the switch
    expect((await search.list({ limit: 20, offset: 0 })).total).toBe(3);
    expect(await search.rebuild(batches())).toBe(0);
    expect(await search.list({ limit: 20, offset: 0 })).toEqual({ ids: [], total: 0 });
  });
});
