/**
 * Full-text search, `GET /api/articles?q=…` (beyond the RealWorld spec), over real HTTP: articles are
 * written through the API, so the event workflow indexes them as it does every article. Each test
 * searches for words of its own (uniqueName), so other articles of the file never match.
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { MAX_SEARCH_LENGTH } from '../../schemas/requests.ts';
import { registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';

const { api } = useTestRuntime();

type Author = Awaited<ReturnType<typeof registerUser>>;

async function publish(
  author: Author,
  article: { title: string; description?: string; body?: string; tagList?: string[] },
): Promise<string> {
  const response = await api.post(
    '/api/articles',
    { article: { description: 'Plain words', body: 'Nothing to see here.', ...article } },
    author.token,
  );
  if (response.status !== 201) throw new Error(`create: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.article.slug as string;
}

const search = async (query: string, token?: string) => {
  const response = await api.get(`/api/articles?${query}`, token);
  expect(response.status).toBe(200);
  return {
    slugs: (response.body.articles as { slug: string }[]).map((article) => article.slug),
    count: response.body.articlesCount as number,
  };
};

describe('GET /api/articles?q=', () => {
  let alice: Author;
  let bob: Author;
  let word: string;
  let inTitle: string;
  let inBody: string;
  let tagged: string;
  let bobs: string;

  beforeAll(async () => {
    alice = await registerUser(api, 'alice');
    bob = await registerUser(api, 'bob');
    word = uniqueName('wyvern');
    inBody = await publish(alice, { title: 'A quiet evening', body: `The ${word} slept.` });
    inTitle = await publish(alice, { title: `Taming the ${word}`, tagList: ['beasts'] });
    tagged = await publish(alice, { title: 'Field notes', tagList: [word, 'beasts'] });
    bobs = await publish(bob, { title: `Another ${word}`, description: `Bob meets a ${word}` });
    await api.post(`/api/articles/${inBody}/favorite`, {}, bob.token);
    await api.post(`/api/articles/${bobs}/favorite`, {}, bob.token);
  });

  it('finds the word in title, description, body and tags, most relevant first', async () => {
    const { slugs, count } = await search(`q=${word.toUpperCase()}`);
    expect(count).toBe(4);
    expect(new Set(slugs)).toEqual(new Set([inTitle, inBody, tagged, bobs]));
    expect(slugs.indexOf(inTitle)).toBeLessThan(slugs.indexOf(inBody));
  });

  it('pages the ranking with limit and offset, keeping the total', async () => {
    const { slugs } = await search(`q=${word}`);
    const pages = [await search(`q=${word}&limit=3`), await search(`q=${word}&limit=3&offset=3`)];
    expect(pages.map((page) => page.count)).toEqual([4, 4]);
    expect(pages.flatMap((page) => page.slugs)).toEqual(slugs);
  });

  it('combines with tag, author and favorited', async () => {
    expect(await search(`q=${word}&tag=beasts`)).toEqual({ slugs: [inTitle, tagged], count: 2 });
    expect(await search(`q=${word}&author=${bob.username}`)).toEqual({ slugs: [bobs], count: 1 });
    expect(await search(`q=${word}&favorited=${bob.username}`)).toEqual({ slugs: [bobs, inBody], count: 2 });
    expect(await search(`q=${word}&favorited=${bob.username}&author=${alice.username}`)).toEqual({
      slugs: [inBody],
      count: 1,
    });
    expect(await search(`q=${word}&author=${alice.username}&tag=beasts&limit=1&offset=1`)).toEqual({
      slugs: [tagged],
      count: 2,
    });
    expect(await search(`q=${word}&author=${uniqueName('nobody')}`)).toEqual({ slugs: [], count: 0 });
  });

  it('searches operators and special characters literally, never failing on them', async () => {
    for (const hostile of [`${word}*`, `"${word}" AND NOT`, `title:${word}`, `(${word}) || -x ~2 ^3 \\ /`]) {
      expect((await search(`q=${encodeURIComponent(hostile)}`)).count).toBe(4);
    }
    for (const nothing of ['&& || ! ( ) [ ] { }', '"', '\\', '*', '%00']) {
      expect(await search(`q=${encodeURIComponent(nothing)}`)).toEqual({ slugs: [], count: 0 });
    }
  });

  it('treats a blank q as no search, and answers 422 for one that is too long', async () => {
    const everything = await search('limit=1');
    expect(await search('q=&limit=1')).toEqual(everything);
    expect(await search('q=%20%20&limit=1')).toEqual(everything);
    const tooLong = await api.get(`/api/articles?q=${'a'.repeat(MAX_SEARCH_LENGTH + 1)}`);
    expect(tooLong.status).toBe(422);
    expect(tooLong.body).toEqual({
      errors: { q: [`is too long (maximum is ${MAX_SEARCH_LENGTH} characters)`] },
    });
    expect((await search(`q=${'a'.repeat(MAX_SEARCH_LENGTH)}`)).count).toBe(0);
  });
});
