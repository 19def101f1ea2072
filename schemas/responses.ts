/**
 * Response bodies of the RealWorld API (zod). The presenters (lambdas/shared/presenters.ts) build
 * them and take their types from here; the OpenAPI document (schemas/openapi.ts) describes them.
 */
import { z } from 'zod';

/** The vendor extension that marks what this API adds to the RealWorld description. */
export const EXTENSION = 'x-conduit-extension';

/** Beyond the spec: the `cursor` of the next page (lambdas/shared/cursors.ts). */
const nextCursor = () =>
  z
    .string()
    .meta({
      description: 'The cursor of the next page (beyond the RealWorld spec); absent on the last page.',
      [EXTENSION]: true,
    })
    .optional();

/** An ISO 8601 timestamp (`format` alone: z.iso.datetime() would add its regex to the document). */
const timestamp = () => z.string().meta({ format: 'date-time' });

export const user = z.object({
  email: z.string(),
  token: z.string(),
  username: z.string(),
  bio: z.string().nullable(),
  image: z.string().nullable(),
});

export const profile = z.object({
  username: z.string(),
  bio: z.string().nullable(),
  image: z.string().nullable(),
  following: z.boolean(),
});

/** An article in a list: everything but the body. */
export const articleSummary = z.object({
  slug: z.string(),
  title: z.string(),
  description: z.string(),
  tagList: z.array(z.string()),
  createdAt: timestamp(),
  updatedAt: timestamp(),
  favorited: z.boolean(),
  favoritesCount: z.int(),
  author: profile,
});

export const article = articleSummary.extend({ body: z.string() });

export const comment = z.object({
  id: z.int(),
  createdAt: timestamp(),
  updatedAt: timestamp(),
  body: z.string(),
  author: profile,
});

/** `{"errors": {"<field>": ["<message>", …]}}`: every 4xx and 5xx body. */
export const errorBody = z.object({ errors: z.record(z.string(), z.array(z.string())) });

export const userResponse = z.object({ user });
export const profileResponse = z.object({ profile });
export const articleResponse = z.object({ article });
export const articlesResponse = z.object({
  articles: z.array(articleSummary),
  articlesCount: z.int(),
  nextCursor: nextCursor(),
});
export const commentResponse = z.object({ comment });
export const commentsResponse = z.object({ comments: z.array(comment), nextCursor: nextCursor() });
export const tagsResponse = z.object({ tags: z.array(z.string()) });
