import { describe, expect, it } from '@jest/globals';
import {
  createArticleRequest,
  MAX_BODY_BYTES,
  MAX_TAGS,
  updateArticleRequest,
  validationErrors,
} from '../../schemas/requests.ts';

const errorsOf = (result: { success: boolean; error?: Parameters<typeof validationErrors>[0] }) =>
  result.success || !result.error ? undefined : validationErrors(result.error);

describe('createArticleRequest', () => {
  it('trims the texts and sorts and de-duplicates the tags', () => {
    const parsed = createArticleRequest.parse({
      article: { title: ' T ', description: ' D ', body: ' B ', tagList: ['b', ' a ', 'b'] },
    });
    expect(parsed.article).toEqual({ title: 'T', description: 'D', body: 'B', tagList: ['a', 'b'] });
  });

  it('leaves tagList out when it is omitted', () => {
    expect(
      createArticleRequest.parse({ article: { title: 'T', description: 'D', body: 'B' } }).article,
    ).toEqual({
      title: 'T',
      description: 'D',
      body: 'B',
    });
  });

  it.each([
    [{}, { article: ["can't be blank"] }],
    [{ article: [] }, { article: ['must be an object'] }],
    [
      { article: { title: '', description: ' ', body: null } },
      { title: ["can't be blank"], description: ["can't be blank"], body: ["can't be blank"] },
    ],
    [{ article: { title: 1, description: 'd', body: 'b' } }, { title: ['must be a string'] }],
    [
      { article: { title: 't', description: 'd', body: 'b', tagList: null } },
      { tagList: ['must be an array of strings'] },
    ],
    [
      { article: { title: 't', description: 'd', body: 'b', tagList: 'x' } },
      { tagList: ['must be an array of strings'] },
    ],
    [
      { article: { title: 't', description: 'd', body: 'b', tagList: ['ok', ' '] } },
      { tagList: ["can't be blank"] },
    ],
    [
      { article: { title: 't', description: 'd', body: 'b', tagList: [3] } },
      { tagList: ['must be a string'] },
    ],
  ])('rejects %j with %j', (body, errors) => {
    expect(errorsOf(createArticleRequest.safeParse(body))).toEqual(errors);
  });
});

describe('updateArticleRequest', () => {
  it('keeps only the fields sent; [] is an empty tag list', () => {
    expect(updateArticleRequest.parse({ article: { body: 'New' } }).article).toEqual({ body: 'New' });
    expect(updateArticleRequest.parse({ article: { tagList: [] } }).article).toEqual({ tagList: [] });
    expect(updateArticleRequest.parse({ article: {} }).article).toEqual({});
  });

  it.each([
    [{ article: { tagList: null } }, { tagList: ['must be an array of strings'] }],
    [{ article: { title: '' } }, { title: ["can't be blank"] }],
    [{ article: { description: null } }, { description: ["can't be blank"] }],
    [{ article: { body: '   ' } }, { body: ["can't be blank"] }],
    [{ article: null }, { article: ["can't be blank"] }],
  ])('rejects %j with %j', (body, errors) => {
    expect(errorsOf(updateArticleRequest.safeParse(body))).toEqual(errors);
  });
});

describe('article limits (what fits in a workflow state)', () => {
  const article = (fields: Record<string, unknown>) => ({
    article: { title: 't', description: 'd', body: 'b', ...fields },
  });

  it('accepts a body of exactly the limit, counted as JSON-escaped UTF-8 bytes', () => {
    const quotes = 2;
    expect(
      createArticleRequest.safeParse(article({ body: 'x'.repeat(MAX_BODY_BYTES - quotes) })).success,
    ).toBe(true);
    expect(errorsOf(createArticleRequest.safeParse(article({ body: 'x'.repeat(MAX_BODY_BYTES) })))).toEqual({
      body: [`is too long (maximum is ${MAX_BODY_BYTES} bytes)`],
    });
    // Three UTF-8 bytes per character; a newline costs two bytes once escaped.
    expect(
      createArticleRequest.safeParse(article({ body: '語'.repeat(MAX_BODY_BYTES / 3 + 1) })).success,
    ).toBe(false);
    const lines = `${'a\n'.repeat(20_000)}a`;
    expect(lines.length).toBeLessThan(MAX_BODY_BYTES);
    expect(createArticleRequest.safeParse(article({ body: lines })).success).toBe(false);
  });

  it.each([
    [{ title: 'x'.repeat(256) }, { title: ['is too long (maximum is 255 characters)'] }],
    [{ description: 'x'.repeat(1001) }, { description: ['is too long (maximum is 1000 characters)'] }],
    [{ tagList: ['x'.repeat(65)] }, { tagList: ['is too long (maximum is 64 characters)'] }],
    [
      { tagList: Array.from({ length: MAX_TAGS + 1 }, (_, index) => `t${index}`) },
      { tagList: [`has too many tags (maximum is ${MAX_TAGS})`] },
    ],
  ])('rejects %#: %j', (fields, errors) => {
    expect(errorsOf(createArticleRequest.safeParse(article(fields)))).toEqual(errors);
    expect(errorsOf(updateArticleRequest.safeParse(article(fields)))).toEqual(errors);
  });
});
