/** Article slugs: readable, URL-safe, derived from the title; unique through the slug# marker items. */
import { randomBytes } from 'node:crypto';

const MAX_BASE_LENGTH = 80;
/** The slug of a title with no letter or digit. */
const FALLBACK_SLUG = 'article';

/** "How to train your Dragon!" → "how-to-train-your-dragon"; letters of any script are kept. */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '') // accents split off by NFKD
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .slice(0, MAX_BASE_LENGTH)
    .replace(/^-+|-+$/g, '');
  return slug || FALLBACK_SLUG;
}

/**
 * The slug to try on a given attempt: the title's own slug first, then that slug with a random
 * suffix, since duplicate titles are allowed and each article needs a slug of its own.
 */
export const slugForAttempt = (title: string, attempt: number): string =>
  attempt === 0 ? slugify(title) : `${slugify(title)}-${randomBytes(4).toString('hex')}`;
