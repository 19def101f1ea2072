import { describe, expect, it } from '@jest/globals';
import { createArticleRequest, updateArticleRequest, validationErrors } from '../../schemas/requests.ts';

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
