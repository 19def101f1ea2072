/** Response bodies of the RealWorld API (schemas/responses.ts), from stored records. */
import type { z } from 'zod';
import type { articleSummary, comment, profile, userResponse } from '../../schemas/responses.ts';
import type { ArticleRecord, CommentRecord, ProfileRecord, UserRecord } from './records.ts';

export type UserResponse = z.infer<typeof userResponse>;
export type Profile = z.infer<typeof profile>;
/** A single article carries its body; lists leave it out. */
export type Article = z.infer<typeof articleSummary> & { body?: string };
export type Comment = z.infer<typeof comment>;

export const presentUser = (user: UserRecord, token: string): UserResponse => ({
  user: {
    email: user.email,
    token,
    username: user.username,
    bio: user.bio ?? null,
    image: user.image ?? null,
  },
});

export const presentProfile = (user: ProfileRecord, following: boolean): Profile => ({
  username: user.username,
  bio: user.bio ?? null,
  image: user.image ?? null,
  following,
});

/** A single article; lists leave the body out (`withBody: false`). */
export const presentArticle = (
  article: ArticleRecord,
  author: Profile,
  favorited: boolean,
  { withBody }: { withBody: boolean } = { withBody: true },
): Article => ({
  slug: article.slug,
  title: article.title,
  description: article.description,
  ...(withBody ? { body: article.body } : {}),
  tagList: [...(article.tagList ?? [])].sort(),
  createdAt: article.createdAt,
  updatedAt: article.updatedAt,
  favorited,
  favoritesCount: Number(article.favoritesCount ?? 0),
  author,
});

export const presentComment = (comment: CommentRecord, author: Profile): Comment => ({
  id: Number(comment.id),
  createdAt: comment.createdAt,
  updatedAt: comment.updatedAt,
  body: comment.body,
  author,
});
