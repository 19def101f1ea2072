/** Items as stored in DynamoDB (keys: lambdas/shared/keys.ts). */
import type { ArticleChange } from '../../schemas/events.ts';

// Users table
export interface UserRecord {
  readonly pk: string;
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly passwordHash: string;
  readonly bio: string | null;
  readonly image: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Incremented by every update; the update transaction is conditional on it. */
  readonly version: number;
  /**
   * How many articles the user has favorited: moved by the favorite and unfavorite transactions
   * with the favorited# rows it counts. Absent (0) on users from before it existed until
   * `npm run verify-data -- --repair` sets it from their rows (docs/deploy.md).
   */
  readonly favoritesMade?: number;
}

/**
 * What a profile shows of a user, and all that a workflow logging its execution data reads of one
 * (a ProjectionExpression in the ASL): never the email or the password hash.
 */
export type ProfileRecord = Pick<UserRecord, 'username' | 'bio' | 'image'>;

/** email#… and username#… items: they exist once, so the value is unique. */
export interface MarkerRecord {
  readonly pk: string;
  readonly userId: string;
}

// Articles table
export interface ArticleRecord {
  readonly pk: string;
  readonly id: string;
  readonly slug: string;
  readonly title: string;
  readonly description: string;
  readonly body: string;
  /** Sorted and de-duplicated. */
  readonly tagList: string[];
  readonly authorId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Moves in the same transaction as the favorite rows. */
  readonly favoritesCount: number;
  /** The last comment id handed out (atomic counter). */
  readonly commentSeq: number;
  /**
   * What the latest write changed (schemas/events.ts: the article-events filter reads it); every
   * write sets it. Absent on an item no write has touched since it exists.
   */
  readonly lastChange?: ArticleChange;
}

/** slug#… items: the slug is unique; they point at the article. */
export interface SlugRecord {
  readonly pk: string;
  readonly articleId: string;
  /**
   * The article's author and creation time (neither ever changes), so favorite-article can write
   * the favorited# row's index order and load the author without reading the article first. Absent
   * on markers written before they existed: favorite-article then reads them from the article
   * first (docs/deploy.md). Not named createdAt: with authorId and createdAt a marker would be an
   * item of the byAuthor index.
   */
  readonly authorId?: string;
  readonly articleCreatedAt?: string;
}

// Relations table
/** following#<follower> / <followee> and its mirror followers#<followee> / <follower>. */
export interface FollowRecord {
  readonly pk: string;
  readonly sk: string;
  readonly followerId: string;
  readonly followeeId: string;
  readonly createdAt: string;
  /**
   * On following# items: the reader's feed holds the followee's articles created at or after this
   * time. The follow workflow sets it to the createdAt of the followee's 20th newest article (every
   * article when there are fewer), so a follow brings the 20 latest and everything after
   * (docs/events.md). Absent on follows written before it existed: every article.
   */
  readonly feedFrom?: string;
}

/** `feedFrom` of a follow that covers every article of the followee. */
export const FEED_FROM_EVERY_ARTICLE = '1970-01-01T00:00:00.000Z';

/** favorites#<article> / <user> and its mirror favorited#<user> / <article>. */
export interface FavoriteRecord {
  readonly pk: string;
  readonly sk: string;
  readonly articleId: string;
  readonly userId: string;
  /**
   * On favorited# rows only, the keys of the sparse byFavoritingUser index: the user's id and
   * `<article createdAt>#<articleId>` (favoriteOrder). Absent on rows written before the index
   * existed until `npm run verify-data -- --repair` adds them (docs/deploy.md).
   */
  readonly favoritedBy?: string;
  readonly articleOrder?: string;
  /** On favorited# rows: the article's author, so a page reads articles and authors at once. */
  readonly authorId?: string;
}

export interface CommentRecord {
  readonly pk: string;
  readonly sk: string;
  readonly id: number;
  readonly articleId: string;
  readonly body: string;
  readonly authorId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * feed#<reader> / <createdAt>#<article>: written by the event workflows. It exists exactly when its
 * article exists and the reader's follow of the author covers it (createdAt >= feedFrom).
 */
export interface FeedRecord {
  readonly pk: string;
  readonly sk: string;
  readonly articleId: string;
  readonly authorId: string;
  readonly createdAt: string;
}
