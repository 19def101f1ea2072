/**
 * Request bodies, validated at the edge (Lambda handlers and workflow validation tasks) with zod.
 * Messages are the RealWorld ones: a field that is missing, null or blank "can't be blank".
 */
import { z } from 'zod';
import { IDEMPOTENCY_KEY_PATTERN, RETENTION_SECONDS } from './idempotency-frame.ts';

const BLANK = "can't be blank";
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 72; // bcrypt ignores bytes past 72
/**
 * Usernames and emails are parts of DynamoDB keys (`username#…`, `email#…`, at most 2048 bytes), so
 * they are bounded well below that; 254 is the longest address SMTP carries (RFC 5321).
 */
export const MAX_USERNAME_LENGTH = 64;
export const MAX_EMAIL_LENGTH = 254;

/**
 * The longest path parameter or `author`/`favorited` filter that can name anything: each is looked up
 * in a DynamoDB partition key (at most 2048 bytes with its prefix; 600 UTF-16 code units, which Java
 * and JavaScript both count, are at most 1800 UTF-8 bytes). Far above every name the API makes, so
 * only values that name nothing are affected: a longer path parameter is passed on as "", which names
 * nothing either (the request template does the same for workflows and keeps this number), and a
 * longer filter is a 422.
 */
export const MAX_LOOKUP_LENGTH = 600;

const tooLong = (maximum: number, unit = 'characters') => `is too long (maximum is ${maximum} ${unit})`;

const requiredText = () =>
  z
    .string({ error: (issue) => (issue.input == null ? BLANK : 'must be a string') })
    .trim()
    .min(1, BLANK);

const username = () => requiredText().max(MAX_USERNAME_LENGTH, tooLong(MAX_USERNAME_LENGTH));
const emailText = () => requiredText().max(MAX_EMAIL_LENGTH, tooLong(MAX_EMAIL_LENGTH));
const email = () => emailText().pipe(z.email({ error: 'is invalid' }));

const password = () =>
  z
    .string({ error: (issue) => (issue.input == null ? BLANK : 'must be a string') })
    .meta({ format: 'password' })
    .min(1, { error: BLANK, abort: true })
    .min(MIN_PASSWORD_LENGTH, `is too short (minimum is ${MIN_PASSWORD_LENGTH} characters)`)
    .max(MAX_PASSWORD_LENGTH, `is too long (maximum is ${MAX_PASSWORD_LENGTH} characters)`);

/** Optional profile text: "" and null both clear the field (stored as null). */
const optionalProfileText = () =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .nullable()
    .transform((value) => (value ? value : null));

/** The object under the envelope key (`user`, `article`, `comment`); missing or null is blank. */
export const section = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.object(shape, { error: (issue) => (issue.input == null ? BLANK : 'must be an object') });

export const registerUserRequest = z.object({
  user: section({ username: username(), email: email(), password: password() }),
});
export type RegisterUserRequest = z.infer<typeof registerUserRequest>;

export const loginRequest = z.object({
  user: section({
    email: emailText(),
    password: z
      .string({ error: (issue) => (issue.input == null ? BLANK : 'must be a string') })
      .meta({ format: 'password' })
      .min(1, BLANK),
  }),
});
export type LoginRequest = z.infer<typeof loginRequest>;

export const updateUserRequest = z.object({
  user: section({
    username: username().optional(),
    email: email().optional(),
    password: password().optional(),
    bio: optionalProfileText().optional(),
    image: optionalProfileText().optional(),
  }),
});
export type UpdateUserRequest = z.infer<typeof updateUserRequest>;

export const addCommentRequest = z.object({ comment: section({ body: requiredText() }) });
export type AddCommentRequest = z.infer<typeof addCommentRequest>;

/** The RealWorld error body for a failed parse: each field (last path segment) with its messages. */
export function validationErrors(error: z.ZodError): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const field = String([...issue.path].reverse().find((segment) => typeof segment === 'string') ?? 'body');
    const messages = errors[field] ?? [];
    if (!messages.includes(issue.message)) errors[field] = [...messages, issue.message];
  }
  return errors;
}

/**
 * Article limits. An express workflow carries at most 256 KB between states and update-article holds
 * up to three copies of an article, so larger articles would fail there (a 500) instead of a 422.
 */
export const MAX_TITLE_LENGTH = 255;
export const MAX_DESCRIPTION_LENGTH = 1000;
export const MAX_BODY_BYTES = 50_000;
export const MAX_TAGS = 50;
export const MAX_TAG_LENGTH = 64;

/** What a text costs in a workflow's state: its size as a JSON string, in UTF-8 bytes. */
const jsonBytes = (text: string): number => new TextEncoder().encode(JSON.stringify(text)).length;

const articleTitle = () => requiredText().max(MAX_TITLE_LENGTH, tooLong(MAX_TITLE_LENGTH));
const articleDescription = () => requiredText().max(MAX_DESCRIPTION_LENGTH, tooLong(MAX_DESCRIPTION_LENGTH));
const articleBody = () =>
  requiredText().refine((text) => jsonBytes(text) <= MAX_BODY_BYTES, tooLong(MAX_BODY_BYTES, 'bytes'));

/** Tags: an array of non-blank strings, stored sorted and without duplicates. `null` is not a list. */
const tagList = () =>
  z
    .array(requiredText().max(MAX_TAG_LENGTH, tooLong(MAX_TAG_LENGTH)), {
      error: 'must be an array of strings',
    })
    .max(MAX_TAGS, `has too many tags (maximum is ${MAX_TAGS})`)
    .transform((tags) => [...new Set(tags)].sort());

export const createArticleRequest = z.object({
  article: section({
    title: articleTitle(),
    description: articleDescription(),
    body: articleBody(),
    tagList: tagList().optional(),
  }),
});
export type CreateArticleRequest = z.infer<typeof createArticleRequest>;

/** Omitted fields keep their value; `tagList: []` clears the tags. */
export const updateArticleRequest = z.object({
  article: section({
    title: articleTitle().optional(),
    description: articleDescription().optional(),
    body: articleBody().optional(),
    tagList: tagList().optional(),
  }),
});
export type UpdateArticleRequest = z.infer<typeof updateArticleRequest>;

/** Paging of article lists: `limit` 1–100 (default 20), `offset` 0–10000 (default 0). */
export const MAX_PAGE_LIMIT = 100;
export const MAX_PAGE_OFFSET = 10_000;

/**
 * The feed shows a reader's newest this many entries (a retention policy, as timelines keep): its
 * `articlesCount` is at most this, and a page past it is empty. So a feed request reads at most this
 * many entries, one query that gives the page and the count, however many the reader has
 * accumulated, instead of counting them all (docs/scaling.md).
 */
export const FEED_LENGTH = 500;

const queryInteger = (min: number, max: number) => {
  const message = `must be an integer from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d+$/, message)
    .transform(Number)
    .pipe(z.int().min(min, message).max(max, message));
};

/** An optional query filter; an empty value (`?tag=`) is no filter. */
const queryFilter = (text = z.string()) => z.preprocess((value) => value || undefined, text.optional());

/** A filter naming a user: one longer than any lookup can name is refused. */
const usernameFilter = () => queryFilter(z.string().max(MAX_LOOKUP_LENGTH, tooLong(MAX_LOOKUP_LENGTH)));

/**
 * Full-text search (`q`, beyond the RealWorld spec): blank is no search, as an empty filter is no
 * filter; longer than this is a 422. It is plain text whatever it holds: operators and special
 * characters are searched as words or ignored as separators, never parsed as query syntax.
 */
export const MAX_SEARCH_LENGTH = 200;

/**
 * The most favorites of `favorited` that `q` searches among (more is a 422): an
 * OpenSearch `terms` filter of 10,000 ids is about 400 KB of request, well inside its limits
 * (`index.max_terms_count` 65,536, 100 MB per request).
 */
export const MAX_SEARCH_CANDIDATES = 10_000;

const searchText = () =>
  z
    .preprocess(
      (value) => (typeof value === 'string' ? value.trim() : value),
      queryFilter(z.string().max(MAX_SEARCH_LENGTH, tooLong(MAX_SEARCH_LENGTH))),
    )
    .meta({
      description: `Full-text search of title, description, body and tags: any of the words, case-insensitive, most relevant first (a title match counts most, ties newest first). Plain text: operators and special characters are searched literally. Combines with tag, author, limit and offset, and with favorited while that user has favorited at most ${MAX_SEARCH_CANDIDATES} articles.`,
    });

/** Longest `cursor` accepted: the ones this API issues are a few hundred characters. */
export const MAX_CURSOR_LENGTH = 1_000;

/** Beyond the spec: the `nextCursor` of the previous page, instead of an offset (lambdas/shared/cursors.ts). */
const cursorParameter = () =>
  queryFilter(z.string().max(MAX_CURSOR_LENGTH, tooLong(MAX_CURSOR_LENGTH))).meta({
    description:
      'The nextCursor of the previous page: the page after it, whatever was added or removed meanwhile (beyond the RealWorld spec). Not with a non-zero offset; a cursor of another query or reader, altered or older than a day is a 422.',
  });

const paging = {
  limit: queryInteger(1, MAX_PAGE_LIMIT).default(20),
  offset: queryInteger(0, MAX_PAGE_OFFSET).default(0),
  cursor: cursorParameter(),
};

export const listArticlesQuery = z.object({
  q: searchText(),
  tag: queryFilter(),
  author: usernameFilter(),
  favorited: usernameFilter(),
  ...paging,
});
export type ListArticlesQuery = z.infer<typeof listArticlesQuery>;

export const feedQuery = z.object(paging);
export type FeedQuery = z.infer<typeof feedQuery>;

/** Comments: every one, as the spec says, unless `limit` or `cursor` asks for a page (beyond the spec). */
export const commentsQuery = z.object({
  limit: queryInteger(1, MAX_PAGE_LIMIT).optional(),
  cursor: cursorParameter(),
});
export type CommentsQuery = z.infer<typeof commentsQuery>;

/**
 * Beyond the spec: the header that makes a write idempotent (docs/idempotency.md). Its value is part
 * of a DynamoDB key, hence 1 to 255 visible ASCII characters; the workflows answer 422 to any other.
 */
export const idempotencyKey = z
  .string()
  .min(1)
  .max(255)
  .regex(IDEMPOTENCY_KEY_PATTERN)
  .meta({
    description: `Makes the write idempotent for ${RETENTION_SECONDS / 3600} h (beyond the RealWorld spec). A retry with the same key and the same request (path, query and body) writes nothing and gets the first answer again, same status and body, an error included; only a 503 raised before anything was written (concurrent changes, or a service refusing a step before the write) frees the key, so that the retry runs afresh. Keys are scoped to the caller (registration: to all anonymous callers). The key with another request is a 422; while its first request is still running, a 409 (retry shortly). Without the header nothing changes.`,
  });
