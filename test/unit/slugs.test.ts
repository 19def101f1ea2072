import { describe, expect, it } from '@jest/globals';
import { slugForAttempt, slugify } from '../../lambdas/shared/slugs.ts';

describe('slugify', () => {
  it.each([
    ['How to train your Dragon', 'how-to-train-your-dragon'],
    ['  Hello,   World!!  ', 'hello-world'],
    ['Crème brûlée à la carte', 'creme-brulee-a-la-carte'],
    ['Ünïcödé & ß', 'unicode-ß'],
    ['日本語のタイトル', '日本語のタイトル'],
    ['C++ / Node.js 20', 'c-node-js-20'],
    ['!!!', 'article'],
    ['', 'article'],
  ])('%j → %j', (title, slug) => {
    expect(slugify(title)).toBe(slug);
  });

  it('caps the slug at 80 characters without a trailing dash', () => {
    const slug = slugify(`${'a'.repeat(79)} b${'c'.repeat(100)}`);
    expect(slug).toBe('a'.repeat(79));
    expect(slugify('word '.repeat(40)).length).toBeLessThanOrEqual(80);
    expect(slugify('word '.repeat(40))).not.toMatch(/-$/);
  });
});

describe('slugForAttempt', () => {
  it("uses the title's own slug first, then adds a random 8-hex suffix", () => {
    expect(slugForAttempt('Same Title', 0)).toBe('same-title');
    const suffixed = [1, 2, 3].map((attempt) => slugForAttempt('Same Title', attempt));
    for (const slug of suffixed) expect(slug).toMatch(/^same-title-[0-9a-f]{8}$/);
    expect(new Set(suffixed).size).toBe(3);
  });
});
