/**
 * The ArticleSearch contract, run against every adapter: the embedded engine, and the OpenSearch
 * adapter on a real OpenSearch 2.19.6 (test/support/opensearch.ts: OPENSEARCH_URL, or a node started
 * for this file; each test works in its own throw-away alias). Where no engine can be had the
 * OpenSearch half is reported as skipped with the reason, and under CI as a failure.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import { Client } from '@opensearch-project/opensearch';
import {
  type ArticleSearch,
  MAX_RESULT_WINDOW,
  type SearchDocument,
  SearchDocumentRejectedError,
} from '../../lambdas/shared/search/article-search.ts';
import { EmbeddedArticleSearch } from '../../lambdas/shared/search/embedded.ts';
import { OpenSearchArticleSearch } from '../../lambdas/shared/search/opensearch.ts';
import { realEngineRequired, testOpenSearch } from '../support/opensearch.ts';

interface Adapter {
  readonly name: string;
  create(): ArticleSearch;
  /** Another handle on the same index, as another Lambda or process has (embedded: the same one). */
  sameIndex(search: ArticleSearch): ArticleSearch;
}

const adapters: Adapter[] = [
  { name: 'embedded', create: () => new EmbeddedArticleSearch(), sameIndex: (search) => search },
];

const engine = await testOpenSearch();
const client = 'url' in engine ? new Client({ node: engine.url }) : undefined;
const aliases = new Map<ArticleSearch, string>();
if (client) {
  adapters.push({
    name: 'OpenSearch 2.19.6',
    create: () => {
      const alias = `contract-${randomUUID()}`;
      const search = new OpenSearchArticleSearch(client, alias, 0);
      aliases.set(search, alias);
      return search;
    },
    sameIndex: (search) => new OpenSearchArticleSearch(client, aliases.get(search) ?? '', 0),
  });
}
afterAll(async () => {
  for (const alias of new Set(aliases.values())) await client?.indices.delete({ index: `${alias}-*` });
  await client?.close();
  if ('stop' in engine) await engine.stop();
});

if ('unavailable' in engine) {
  describe('ArticleSearch (OpenSearch 2.19.6)', () => {
    if (realEngineRequired()) {
      it('runs on the real engine (CI requires it)', () => {
        throw new Error(`OpenSearch could not be started: ${engine.unavailable}`);
      });
    } else {
      it.skip(`not run: ${engine.unavailable}`, () => undefined);
    }
  });
}

const at = (minute: number, ms = 0) =>
  `2026-01-02T03:${String(minute).padStart(2, '0')}:00.${String(ms).padStart(3, '0')}Z`;
const doc = (id: string, minute: number, tagList: string[] = [], updatedMinute = minute): SearchDocument => ({
  id,
  title: `Article ${id}`,
  description: 'A description',
  body: 'A body',
  tagList,
  authorId: 'author-1',
  createdAt: at(minute),
  updatedAt: at(updatedMinute),
});

async function* batches(...pages: SearchDocument[][]) {
  yield* pages;
}

describe.each(adapters)('ArticleSearch ($name)', ({ create, sameIndex }) => {
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

  it('filters by author (exact id), alone, with a tag and with q, paging with the exact total', async () => {
    const search = create();
    const by = (id: string, minute: number, authorId: string, tagList: string[] = []) => ({
      ...doc(id, minute, tagList),
      authorId,
    });
    await search.upsert(by('a', 1, 'jake', ['dragons']));
    await search.upsert(by('b', 2, 'anna', ['dragons']));
    await search.upsert(by('c', 3, 'jake'));
    await search.upsert({ ...by('d', 4, 'jake', ['dragons']), title: 'Training dragons' });
    expect(await search.list({ authorId: 'jake', limit: 20, offset: 0 })).toEqual({
      ids: ['d', 'c', 'a'],
      total: 3,
    });
    expect(await search.list({ authorId: 'jake', limit: 1, offset: 1 })).toEqual({ ids: ['c'], total: 3 });
    expect(await search.list({ authorId: 'jake', tag: 'dragons', limit: 20, offset: 0 })).toEqual({
      ids: ['d', 'a'],
      total: 2,
    });
    expect(await search.list({ authorId: 'jak', limit: 20, offset: 0 })).toEqual({ ids: [], total: 0 });
    expect(await search.list({ authorId: 'jake', q: 'training', limit: 20, offset: 0 })).toEqual({
      ids: ['d'],
      total: 1,
    });
    await search.remove('d');
    expect(await search.list({ authorId: 'jake', limit: 20, offset: 0 })).toEqual({
      ids: ['c', 'a'],
      total: 2,
    });
  });

  it('pages after the position of the last hit as offsets do, past the result window too, with and without q', async () => {
    const search = create();
    for (let minute = 1; minute <= 7; minute++) {
      await search.upsert({
        ...doc(`p${minute}`, minute % 3, ['paged']),
        title: minute % 2 ? 'Rust rust' : 'Rust',
      });
    }
    for (const q of [undefined, 'rust']) {
      const byOffset = await search.list({ q, tag: 'paged', limit: 7, offset: 0 });
      const walked: string[] = [];
      const paging = { q, tag: 'paged', limit: 3, offset: 0, withHits: true };
      let page = await search.list(paging);
      while (page.ids.length) {
        walked.push(...page.ids);
        expect({ q, total: page.total, hits: page.hits?.map((hit) => [hit.id, hit.authorId]) }).toEqual({
          q,
          total: 7,
          hits: page.ids.map((id) => [id, 'author-1']),
        });
        page = await search.list({ ...paging, after: page.hits?.at(-1) });
      }
      expect({ q, walked }).toEqual({ q, walked: byOffset.ids });
    }
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
    await search.rebuild(
      batches(Array.from({ length: 30 }, (_, minute) => doc(`d${minute}`, minute, ['t']))),
    );
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

  it('keeps the newest version whatever the order and however often events arrive', async () => {
    const search = create();
    for (const [updated, tag] of [
      [3, 'third'],
      [1, 'first'],
      [3, 'third'],
      [2, 'second'],
      [1, 'first'],
    ] as const) {
      await search.upsert(doc('a', 1, [tag], updated));
    }
    expect(await search.tags()).toEqual(['third']);
    const [documents] = await collect(search.documents());
    expect(documents).toEqual([doc('a', 1, ['third'], 3)]);
  });

  it('never indexes an article whose removal was processed before its creation', async () => {
    const search = create();
    await search.remove('a');
    await search.upsert(doc('a', 1, ['t']));
    await search.upsert(doc('a', 1, ['t'], 9));
    expect(await search.list({ limit: 20, offset: 0 })).toEqual({ ids: [], total: 0 });
    expect(await search.tags()).toEqual([]);
  });

  it('lists every tag, beyond the terms aggregation default of 10 buckets', async () => {
    const search = create();
    // tag-00 on 1 article, tag-01 on 2, ... tag-24 on 25: all 25, most used first.
    const tags = Array.from({ length: 25 }, (_, i) => `tag-${String(i).padStart(2, '0')}`);
    await search.rebuild(
      batches(
        Array.from({ length: 25 }, (_, article) =>
          doc(
            `a${article}`,
            article,
            tags.filter((_, tag) => tag >= article),
          ),
        ),
      ),
    );
    expect(await search.tags()).toEqual([...tags].reverse());
  });

  it('keeps tags exactly as written: case, accents, scripts and emoji; ties in code point order', async () => {
    const search = create();
    // Each tag once, so their order is the tie-break alone: by code point (UTF-8 byte order), in
    // which an astral character (🐉, a surrogate pair in UTF-16) sorts after U+FF21.
    const tags = [
      'dragons',
      'Dragons',
      'DRAGONS',
      'é',
      'e\u0301',
      'straße',
      'STRASSE',
      '日本語',
      '🐉',
      'Ａ',
      'ǅ',
    ];
    await search.rebuild(batches(tags.map((tag, i) => doc(`a${i}`, i, [tag]))));
    expect(await search.tags()).toEqual([
      'DRAGONS',
      'Dragons',
      'STRASSE',
      'dragons',
      'e\u0301',
      'straße',
      'é',
      'ǅ',
      '日本語',
      'Ａ',
      '🐉',
    ]);
    expect(await search.list({ tag: 'Dragons', limit: 20, offset: 0 })).toEqual({ ids: ['a1'], total: 1 });
    expect(await search.list({ tag: '🐉', limit: 20, offset: 0 })).toEqual({ ids: ['a8'], total: 1 });
    expect(await search.list({ tag: 'é', limit: 20, offset: 0 })).toEqual({ ids: ['a3'], total: 1 });
    expect(await search.list({ tag: 'strasse', limit: 20, offset: 0 })).toEqual({ ids: [], total: 0 });
  });

  it('breaks ties of createdAt by id across many articles in the same millisecond', async () => {
    const search = create();
    const ids = Array.from({ length: 30 }, () => randomUUID());
    await search.rebuild(batches(ids.map((id) => doc(id, 7))));
    const pages = [];
    for (let offset = 0; offset < 30; offset += 7)
      pages.push(...(await search.list({ limit: 7, offset })).ids);
    expect(pages).toEqual([...ids].sort().reverse());
  });

  it(`pages up to the result window (${MAX_RESULT_WINDOW} hits) and answers empty pages past it`, async () => {
    const search = create();
    const count = MAX_RESULT_WINDOW + 5;
    const id = (n: number) => `a${String(n).padStart(5, '0')}`;
    const documents = Array.from({ length: count }, (_, n) => ({
      ...doc(id(n), 0),
      createdAt: at(0, n % 1000),
    }));
    const pages = Array.from({ length: Math.ceil(count / 1000) }, (_, page) =>
      documents.slice(page * 1000, (page + 1) * 1000),
    );
    expect(await search.rebuild(batches(...pages))).toBe(count);
    const newestFirst = [...documents]
      .sort((a, b) =>
        a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1,
      )
      .map((document) => document.id);
    expect(await search.list({ limit: 20, offset: MAX_RESULT_WINDOW - 30 })).toEqual({
      ids: newestFirst.slice(MAX_RESULT_WINDOW - 30, MAX_RESULT_WINDOW - 10),
      total: count,
    });
    expect(await search.list({ limit: 20, offset: MAX_RESULT_WINDOW - 10 })).toEqual({
      ids: newestFirst.slice(MAX_RESULT_WINDOW - 10, MAX_RESULT_WINDOW),
      total: count,
    });
    expect(await search.list({ limit: 20, offset: MAX_RESULT_WINDOW })).toEqual({ ids: [], total: count });
    expect(await search.list({ limit: 20, offset: MAX_RESULT_WINDOW + 1 })).toEqual({
      ids: [],
      total: count,
    });
  }, 120_000);

  it('rejects a document its mapping does not allow with an error naming it, and indexes nothing', async () => {
    const search = create();
    const withSlug = { ...doc('a', 1), slug: 'not-a-field-of-the-index' } as SearchDocument;
    await expect(search.upsert(withSlug)).rejects.toThrow(SearchDocumentRejectedError);
    await expect(search.upsert(withSlug)).rejects.toThrow(/a.*slug/);
    const badDate = { ...doc('b', 1), createdAt: 'yesterday' };
    await expect(search.upsert(badDate)).rejects.toThrow(SearchDocumentRejectedError);
    await expect(search.upsert(badDate)).rejects.toThrow(/b.*createdAt/);
    expect(await search.list({ limit: 20, offset: 0 })).toEqual({ ids: [], total: 0 });
  });

  it('loses no write made while a rebuild runs: alias swap, then what the old index took meanwhile', async () => {
    const search = create();
    const writer = sameIndex(search); // another process writing while this one rebuilds
    for (const id of ['a', 'b', 'c']) await search.upsert(doc(id, 1, ['before']));
    async function* scan() {
      yield [doc('a', 1, ['before']), doc('b', 1, ['before']), doc('c', 1, ['before'])];
      await writer.upsert(doc('a', 1, ['renamed'], 2)); // updated after the scan read it
      await writer.remove('b'); // deleted after the scan read it
      await writer.upsert(doc('d', 2, ['created'])); // created after the scan passed it
      yield [doc('e', 3, ['scanned'])];
      await writer.upsert(doc('f', 4, ['created'])); // once the scan has ended
    }
    expect(await search.rebuild(scan())).toBe(4);
    await writer.upsert(doc('g', 5, ['after'])); // through the alias to the new index
    expect(await search.list({ limit: 20, offset: 0 })).toEqual({
      ids: ['g', 'f', 'e', 'd', 'c', 'a'],
      total: 6,
    });
    expect(await search.tags()).toEqual(['created', 'after', 'before', 'renamed', 'scanned']);
    await writer.upsert(doc('b', 1, ['before'], 3)); // the removal outlived the rebuild
    expect((await search.list({ tag: 'before', limit: 20, offset: 0 })).ids).toEqual(['c']);
  });
});

/** An article of the full-text tests: the same words everywhere but the ones given. */
const article = (
  id: string,
  minute: number,
  text: Partial<Pick<SearchDocument, 'title' | 'description' | 'body' | 'tagList'>> = {},
): SearchDocument => ({
  ...doc(id, minute),
  title: 'Notes from the valley',
  description: 'What we saw on the way',
  body: 'Long evenings, quiet rivers, old stories told again.',
  ...text,
});

// Named as the suite above, so that CI counts these among each adapter's contract tests.
describe.each(adapters)('ArticleSearch ($name)', ({ create }) => {
  describe('full-text search, q', () => {
    const all = { limit: 20, offset: 0 };

    it('ranks a title match above a description match above a body match', async () => {
      const search = create();
      await search.upsert(
        article('in-body', 9, { body: 'Long evenings, quiet dragons, old stories told again.' }),
      );
      await search.upsert(article('in-description', 8, { description: 'What dragons saw on the way' }));
      await search.upsert(article('in-title', 1, { title: 'Notes from the dragons' }));
      await search.upsert(article('elsewhere', 10));
      expect(await search.list({ q: 'dragons', ...all })).toEqual({
        ids: ['in-title', 'in-description', 'in-body'],
        total: 3,
      });
    });

    it('ranks by the current copies after updates', async () => {
      const search = create();
      const inBody = article('in-body', 1, { body: 'The dragons slept.' });
      const titleAndDescription = article('both', 4, { title: 'Two dragons', description: 'Dragons again' });
      await search.upsert(inBody);
      await search.upsert(article('in-title', 2, { title: 'Taming dragons', tagList: ['beasts'] }));
      await search.upsert(article('tagged', 3, { tagList: ['beasts', 'dragons'] }));
      await search.upsert(titleAndDescription);
      // Only the top two are certain: the engines weigh a tag against a short body differently
      // (OpenSearch's idf counts the documents with the field, and replaced copies until a merge).
      for (const minute of [30, 31]) {
        const { ids, total } = await search.list({ q: 'dragons', ...all });
        expect([ids.slice(0, 2), total]).toEqual([['both', 'in-title'], 4]);
        for (const document of [inBody, titleAndDescription]) {
          await search.upsert({ ...document, updatedAt: at(minute) });
        }
      }
      const { ids, total } = await search.list({ q: 'dragons', ...all });
      expect([ids.slice(0, 2), total]).toEqual([['both', 'in-title'], 4]);
    });

    it('breaks ties of relevance newest first, then by id', async () => {
      const search = create();
      for (const [id, minute] of [
        ['older', 1],
        ['x1', 2],
        ['x3', 2],
        ['x2', 2],
      ] as const) {
        await search.upsert(article(id, minute, { title: 'Dragons' }));
      }
      const first = await search.list({ q: 'dragons', limit: 2, offset: 0 });
      const second = await search.list({ q: 'dragons', limit: 2, offset: 2 });
      expect([...first.ids, ...second.ids]).toEqual(['x3', 'x2', 'x1', 'older']);
    });

    it('matches any word, case-insensitively, ranking articles with more of them first', async () => {
      const search = create();
      await search.upsert(article('both', 1, { title: 'Training dragons' }));
      await search.upsert(article('one', 2, { title: 'Training horses' }));
      await search.upsert(article('tagged', 3, { tagList: ['Dragons'] }));
      await search.upsert(article('none', 4));
      const { ids, total } = await search.list({ q: 'DRAGONS training', ...all });
      expect(total).toBe(3);
      expect(ids[0]).toBe('both');
      expect(ids.slice(1).sort()).toEqual(['one', 'tagged']);
      expect(await search.list({ q: 'dragon', ...all })).toEqual({ ids: [], total: 0 }); // words, not stems
    });

    it('combines with a tag and with candidate ids, and pages through the ranking with its total', async () => {
      const search = create();
      for (let minute = 1; minute <= 5; minute++) {
        await search.upsert(
          article(`t${minute}`, minute, { title: 'Rust', tagList: minute % 2 ? ['odd'] : [] }),
        );
      }
      await search.upsert(article('other', 6, { tagList: ['odd'] }));
      expect(await search.list({ q: 'rust', ...all })).toEqual({
        ids: ['t5', 't4', 't3', 't2', 't1'],
        total: 5,
      });
      expect(await search.list({ q: 'rust', limit: 2, offset: 1 })).toEqual({ ids: ['t4', 't3'], total: 5 });
      expect(await search.list({ q: 'rust', limit: 2, offset: 5 })).toEqual({ ids: [], total: 5 });
      expect(await search.list({ q: 'rust', tag: 'odd', ...all })).toEqual({
        ids: ['t5', 't3', 't1'],
        total: 3,
      });
      expect(await search.list({ q: 'rust', ids: ['t1', 't2', 'other', 'unknown'], ...all })).toEqual({
        ids: ['t2', 't1'],
        total: 2,
      });
      expect(await search.list({ q: 'rust', tag: 'odd', ids: ['t1', 't2'], ...all })).toEqual({
        ids: ['t1'],
        total: 1,
      });
      expect(await search.list({ q: 'rust', ids: [], ...all })).toEqual({ ids: [], total: 0 });
      expect(await search.list({ ids: ['t2', 'other'], ...all })).toEqual({ ids: ['other', 't2'], total: 2 });
    });

    it('searches operators and special characters as plain words, never as query syntax', async () => {
      const search = create();
      await search.upsert(article('rust', 1, { title: 'Rust in production' }));
      await search.upsert(article('garden', 2, { title: 'Gardening' }));
      const hostile = 'rust* AND -(description:"x") || [a TO b]^2 ~ \\ / ! {} <script> %s ${x} \u0000';
      expect(await search.list({ q: hostile, ...all })).toEqual({ ids: ['rust'], total: 1 });
      expect(await search.list({ q: '&& || ! ( ) " * ? : \\', ...all })).toEqual({ ids: [], total: 0 });
    });

    it('matches unicode words whatever their case: accents, Greek, CJK (one word per ideograph)', async () => {
      const search = create();
      await search.upsert(article('creme', 1, { title: 'Crème brûlée' }));
      await search.upsert(article('greek', 2, { description: 'Ελληνικά γράμματα' }));
      await search.upsert(article('tokyo', 3, { title: '東京の夜' }));
      await search.upsert(article('kyoto', 4, { title: '京都' }));
      expect(await search.list({ q: 'BRÛLÉE', ...all })).toEqual({ ids: ['creme'], total: 1 });
      expect(await search.list({ q: 'brulee', ...all })).toEqual({ ids: [], total: 0 }); // accents count
      expect(await search.list({ q: 'ΕΛΛΗΝΙΚΆ', ...all })).toEqual({ ids: ['greek'], total: 1 });
      expect(await search.list({ q: '東京', ...all })).toEqual({ ids: ['tokyo', 'kyoto'], total: 2 });
    });

    it('follows updates, removals and a rebuild', async () => {
      const search = create();
      await search.upsert(article('a', 1, { title: 'Dragons' }));
      await search.upsert(article('b', 2, { title: 'Dragons' }));
      await search.upsert(article('a', 1, { title: 'Unicorns' }));
      await search.remove('b');
      expect(await search.list({ q: 'dragons', ...all })).toEqual({ ids: [], total: 0 });
      expect(await search.list({ q: 'unicorns', ...all })).toEqual({ ids: ['a'], total: 1 });
      await search.rebuild(batches([article('c', 3, { body: 'Unicorns, again.' })]));
      expect(await search.list({ q: 'unicorns', ...all })).toEqual({ ids: ['c'], total: 1 });
    });
  });
});

if (client) {
  describe('ArticleSearch (OpenSearch 2.19.6)', () => {
    it('adds the fields added since (full text, authorId) to an index created before them on the first write (put-mapping); a rebuild makes older documents searchable', async () => {
      const alias = `contract-${randomUUID()}`;
      await client.indices.create({
        index: `${alias}-initial`,
        body: {
          settings: { number_of_shards: 1, number_of_replicas: 0 },
          mappings: {
            dynamic: 'strict',
            properties: {
              id: { type: 'keyword' },
              tagList: { type: 'keyword' },
              createdAt: { type: 'date', format: 'strict_date_optional_time' },
              updatedAt: { type: 'date', format: 'strict_date_optional_time' },
              deleted: { type: 'boolean' },
            },
          },
          aliases: { [alias]: {} },
        },
      });
      const { title, description, body, authorId, ...old } = article('old', 1, { title: 'Dragons' });
      await client.index({ index: alias, id: 'old', body: old, refresh: 'wait_for' });
      const search = new OpenSearchArticleSearch(client, alias, 0);
      aliases.set(search, alias);
      await search.upsert(article('new', 2, { title: 'Dragons', tagList: ['dragons'] }));
      expect(await search.list({ q: 'dragons', limit: 20, offset: 0 })).toEqual({ ids: ['new'], total: 1 });
      expect(await search.list({ tag: 'dragons', limit: 20, offset: 0 })).toEqual({ ids: ['new'], total: 1 });
      await search.rebuild(
        batches([{ ...old, title, description, body, authorId }, article('new', 2, { title: 'Dragons' })]),
      );
      expect(await search.list({ q: 'dragons', limit: 20, offset: 0 })).toEqual({
        ids: ['new', 'old'],
        total: 2,
      });
      expect(await search.list({ authorId, limit: 20, offset: 0 })).toEqual({
        ids: ['new', 'old'],
        total: 2,
      });
    });
  });
}

async function collect<T>(pages: AsyncIterable<readonly T[]>): Promise<T[][]> {
  const all: T[][] = [];
  for await (const page of pages) all.push([...page]);
  return all;
}
