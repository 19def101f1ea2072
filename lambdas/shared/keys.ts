/**
 * Item keys of the tables (schemas/tables.ts). The ASL files build the same keys with
 * States.Format; the workflow tests read what they wrote through these functions, so both agree.
 */

// Users table
export const userKey = (userId: string): string => `user#${userId}`;
export const emailKey = (email: string): string => `email#${email.trim().toLowerCase()}`;
export const usernameKey = (username: string): string => `username#${username}`;

// Articles table
export const articleKey = (articleId: string): string => `article#${articleId}`;
export const slugKey = (slug: string): string => `slug#${slug}`;

// Relations table: pk / sk
export const followingKey = (followerId: string, followeeId: string) => ({
  pk: `following#${followerId}`,
  sk: followeeId,
});
export const followersKey = (followeeId: string, followerId: string) => ({
  pk: `followers#${followeeId}`,
  sk: followerId,
});
export const favoriteKey = (articleId: string, userId: string) => ({
  pk: `favorites#${articleId}`,
  sk: userId,
});
export const favoritedKey = (userId: string, articleId: string) => ({
  pk: `favorited#${userId}`,
  sk: articleId,
});
/** Sort key of a favorited# row in the byFavoritingUser index: newest article first when read backwards. */
export const favoriteOrder = (createdAt: string, articleId: string): string => `${createdAt}#${articleId}`;
/** Comment ids are integers; the sort key pads them so they sort numerically. */
export const commentKey = (articleId: string, commentId: number) => ({
  pk: `comments#${articleId}`,
  sk: String(commentId).padStart(10, '0'),
});
/** Feed entries sort by the article's creation time, newest first when read backwards. */
export const feedKey = (userId: string, createdAt: string, articleId: string) => ({
  pk: `feed#${userId}`,
  sk: `${createdAt}#${articleId}`,
});

export const partitionOf = {
  following: (followerId: string) => `following#${followerId}`,
  followers: (followeeId: string) => `followers#${followeeId}`,
  favorites: (articleId: string) => `favorites#${articleId}`,
  favorited: (userId: string) => `favorited#${userId}`,
  comments: (articleId: string) => `comments#${articleId}`,
  feed: (userId: string) => `feed#${userId}`,
};

// Idempotency table: a key is the caller's own; registration, which has no caller, shares one scope.
export const idempotencyItemKey = (userId: string, key: string): string =>
  `idempotency#${userId || 'anonymous'}#${key}`;
