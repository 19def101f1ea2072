/** Response shapes of the RealWorld API, from stored records. */
import type { ArticleRecord, CommentRecord, ProfileRecord, UserRecord } from './records.ts';

export interface UserResponse {
  user: { email: string; token: string; username: string; bio: string | null; image: string | null };
}

export interface Profile {
  username: string;
  bio: string | null;
  image: string | null;
  following: boolean;
}

export interface Article {
  slug: string;
  title: string;
  description: string;
  body?: string;
  tagList: string[];
  createdAt: string;
  updatedAt: string;
  favorited: boolean;
  favoritesCount: number;
  author: Profile;
}

export interface Comment {
  id: number;
  createdAt: string;
  updatedAt: string;
  body: string;
  author: Profile;
}

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
