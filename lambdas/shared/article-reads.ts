/**
 * The article reads behind GET /api/articles, /api/articles/feed, /api/articles/{slug} and
 * /api/tags. Ids come from the search index (global list, tag, author, full-text `q`, and any of
 * them combined), the byFavoritingUser index (favorited; the count is the user's favoritesMade) or
 * the feed# rows (feed); `favorited` with another filter reads every favorited# row of the user:
 * with `q` it searches among their ids (at most MAX_SEARCH_CANDIDATES), else filters them. The
 * records, their authors and the reader's following/favorited flags are then read with one batched
 * call each, so a page costs the same number of round trips whatever its length.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type FeedQuery, type ListArticlesQuery, MAX_SEARCH_CANDIDATES } from '../../schemas/requests.ts';
import { ArticlesRepository } from './articles-repository.ts';
import { tableName } from './config.ts';
import { cursorScope, decodeCursor, encodeCursor } from './cursors.ts';
import { AppError, notFound } from './errors.ts';
import { type Article, presentArticle, presentProfile } from './presenters.ts';
import type { ArticleRecord, UserRecord } from './records.ts';
import { RelationsRepository } from './relations-repository.ts';
import {
  type ArticleSearch,
  type ListQuery,
  newestFirst,
  type SearchPosition,
} from './search/article-search.ts';
import { articleSearch } from './search/configured.ts';
import { UsersRepository } from './users-repository.ts';

export interface ArticleList {
  articles: Article[];
  articlesCount: number;
  /** Beyond the spec: the `cursor` of the next page, absent on the last one. */
  nextCursor?: string;
}

/** Where an article sorts in a list: what a list's cursor holds. */
const listPosition: z.ZodType<SearchPosition> = z.strictObject({
  score: z.number().optional(),
  createdAt: z.iso.datetime(),
  id: z.string().min(1).max(100),
});

/** A feed cursor holds the sort key of the last entry served. */
const feedPosition = z.strictObject({ sk: z.string().min(1).max(200) });

/** The page starts after a cursor or at an offset, never both. */
function checkPaging(cursor: string | undefined, offset: number): void {
  if (cursor && offset) throw new AppError('Validation', { offset: ['cannot be combined with cursor'] });
}

export interface ArticleReadsDependencies {
  readonly users: UsersRepository;
  readonly articles: ArticlesRepository;
  readonly relations: RelationsRepository;
  readonly search: () => Promise<ArticleSearch>;
}

const EMPTY: ArticleList = { articles: [], articlesCount: 0 };

export class ArticleReads {
  constructor(private readonly deps: ArticleReadsDependencies) {}

  /**
   * GET /api/articles: the filters combine (AND); an unknown author or favoriting user matches
   * nothing. With `q`, most relevant first (ties newest first), else newest first.
   */
  async list(query: ListArticlesQuery, readerId: string | undefined): Promise<ArticleList> {
    const { q, tag, author, favorited, limit, offset, cursor } = query;
    checkPaging(cursor, offset);
    const scope = cursorScope('GET /api/articles', { q, tag, author, favorited, reader: readerId });
    const after = cursor ? decodeCursor(cursor, scope, listPosition) : undefined;
    const paging = { limit, offset, scope, ...(after ? { after } : {}) };
    if (!author && !favorited) return this.searchPage({ q, tag }, paging, readerId);
    const [authorId, favoritingId] = await Promise.all([
      author ? this.deps.users.findIdByUsername(author) : undefined,
      favorited ? this.deps.users.findIdByUsername(favorited) : undefined,
    ]);
    if ((author && !authorId) || (favorited && !favoritingId)) return EMPTY;
    if (!favoritingId) return this.searchPage({ q, tag, authorId }, paging, readerId);
    if (!q && !tag && !authorId) {
      // A page of the byFavoritingUser index and the count the favorite transactions keep, at once.
      const [favoritingUser, { positions, more }] = await Promise.all([
        this.deps.users.findById(favoritingId),
        this.deps.relations.favoritedPage(favoritingId, { limit, offset, ...(after ? { after } : {}) }),
      ]);
      if (!favoritingUser) return EMPTY;
      const last = positions.at(-1);
      return {
        articles: await this.presentPage(positions, readerId),
        articlesCount: favoritingUser.favoritesMade ?? 0,
        ...(more && last
          ? { nextCursor: encodeCursor(scope, { createdAt: last.createdAt, id: last.id }) }
          : {}),
      };
    }
    // Combined with q, tag or author, `favorited` stays O(favorites): every favorited# row is read
    // (small items, one query page per ~1 MB) and the other filters apply to those candidates. The
    // byFavoritingUser index is ordered by date only, so it cannot page by tag, author or relevance;
    // doing so in O(page) would take the favoriting users in each search document (a document
    // update per favorite) or an index per combination.
    if (q) {
      const ids = await this.deps.relations.favoritedArticleIds(favoritingId);
      if (!ids.length) return EMPTY;
      if (ids.length > MAX_SEARCH_CANDIDATES) {
        throw new AppError('Validation', {
          q: [
            `cannot be combined with favorited when that user has favorited more than ${MAX_SEARCH_CANDIDATES} articles`,
          ],
        });
      }
      return this.searchPage({ q, tag, authorId, ids }, paging, readerId);
    }
    // With author or tag: every favorited article is loaded, filtered and sorted.
    const candidates = (
      await this.deps.articles.findManyByIds(await this.deps.relations.favoritedArticleIds(favoritingId))
    ).sort(newestFirst);
    const matches = candidates.filter(
      (article) => (!authorId || article.authorId === authorId) && (!tag || article.tagList?.includes(tag)),
    );
    const start = after ? firstAfter(matches, (article) => newestFirst(article, after) > 0) : offset;
    const page = matches.slice(start, start + limit);
    const last = page.at(-1);
    return {
      articles: await this.present(page, readerId),
      articlesCount: matches.length,
      ...(last && start + limit < matches.length
        ? { nextCursor: encodeCursor(scope, { createdAt: last.createdAt, id: last.id }) }
        : {}),
    };
  }

  /**
   * A page of the search index, rendered. After a cursor it asks for one hit more than the page,
   * which tells whether another page follows; at an offset the exact total tells. The hits name
   * their authors, so the articles, authors and the reader's flags are read at once.
   */
  private async searchPage(
    filters: Omit<ListQuery, 'limit' | 'offset' | 'after'>,
    { limit, offset, after, scope }: { limit: number; offset: number; after?: SearchPosition; scope: string },
    readerId: string | undefined,
  ): Promise<ArticleList> {
    const search = await this.deps.search();
    const found = after
      ? await search.list({ ...filters, after, limit: limit + 1, offset: 0, withHits: true })
      : await search.list({ ...filters, limit, offset, withHits: true });
    const hits = (found.hits ?? []).slice(0, limit);
    const more = after ? found.ids.length > limit : offset + limit < found.total;
    const last = hits.at(-1);
    return {
      articles: await this.presentPage(hits, readerId),
      articlesCount: found.total,
      ...(more && last
        ? {
            nextCursor: encodeCursor(scope, {
              ...(last.score === undefined ? {} : { score: last.score }),
              createdAt: last.createdAt,
              id: last.id,
            }),
          }
        : {}),
    };
  }

  /**
   * GET /api/articles/feed: a page of the reader's newest FEED_LENGTH entries, after a cursor or at
   * an offset. Entries whose article is gone (delete clean-up pending) are skipped.
   */
  async feed({ limit, offset, cursor }: FeedQuery, readerId: string): Promise<ArticleList> {
    checkPaging(cursor, offset);
    const scope = cursorScope('GET /api/articles/feed', { reader: readerId });
    const after = cursor ? decodeCursor(cursor, scope, feedPosition) : undefined;
    const entries = await this.deps.relations.feedWindow(readerId);
    // Sort keys descend (createdAt#articleId, newest first): the page starts at the first one below.
    const start = after ? firstAfter(entries, (entry) => entry.sk < after.sk) : offset;
    const page = entries.slice(start, start + limit);
    const last = page.at(-1);
    return {
      articles: await this.presentPage(
        page.map((entry) => ({ id: entry.articleId, authorId: entry.authorId })),
        readerId,
      ),
      articlesCount: entries.length,
      ...(last && start + limit < entries.length ? { nextCursor: encodeCursor(scope, { sk: last.sk }) } : {}),
    };
  }

  /** GET /api/articles/{slug}, with its body. */
  async bySlug(slug: string, readerId: string | undefined): Promise<Article> {
    const article = await this.deps.articles.findBySlug(slug);
    if (!article) throw notFound('article');
    const [presented] = await this.present([article], readerId, { withBody: true });
    if (!presented) throw notFound('article');
    return presented;
  }

  /** GET /api/tags */
  async tags(): Promise<string[]> {
    return (await this.deps.search()).tags();
  }

  /**
   * Renders articles in the given order: authors, following and favorited in one batched read each
   * (the last two skipped for an anonymous reader). An article whose author is gone is left out.
   */
  private async present(
    articles: readonly ArticleRecord[],
    readerId: string | undefined,
    { withBody }: { withBody: boolean } = { withBody: false },
  ): Promise<Article[]> {
    if (!articles.length) return [];
    const authorIds = articles.map((article) => article.authorId);
    const [authors, following, favorited] = await Promise.all([
      this.deps.users.findManyByIds(authorIds),
      this.deps.relations.followingSet(readerId, authorIds),
      this.deps.relations.favoritedSet(
        readerId,
        articles.map((article) => article.id),
      ),
    ]);
    return render(articles, authors, following, favorited, withBody);
  }

  /**
   * Renders a page whose authors are known beforehand (search hits, feed entries): the articles,
   * authors and flags in one round of batched reads. A hit without an author (a document indexed
   * before `authorId` existed, until a reindex) is rendered the two-step way.
   */
  private async presentPage(
    page: readonly { readonly id: string; readonly authorId?: string }[],
    readerId: string | undefined,
  ): Promise<Article[]> {
    const ids = page.map((hit) => hit.id);
    const authorIds = page.flatMap((hit) => hit.authorId ?? []);
    if (authorIds.length < page.length) {
      return this.present(await this.deps.articles.findManyByIds(ids), readerId);
    }
    if (!page.length) return [];
    const [articles, authors, following, favorited] = await Promise.all([
      this.deps.articles.findManyByIds(ids),
      this.deps.users.findManyByIds(authorIds),
      this.deps.relations.followingSet(readerId, authorIds),
      this.deps.relations.favoritedSet(readerId, ids),
    ]);
    return render(articles, authors, following, favorited, false);
  }
}

/** Articles with their authors and the reader's flags; one whose author is gone is left out. */
function render(
  articles: readonly ArticleRecord[],
  authors: ReadonlyMap<string, UserRecord>,
  following: ReadonlySet<string>,
  favorited: ReadonlySet<string>,
  withBody: boolean,
): Article[] {
  return articles.flatMap((article) => {
    const author = authors.get(article.authorId);
    if (!author) return [];
    return [
      presentArticle(article, presentProfile(author, following.has(author.id)), favorited.has(article.id), {
        withBody,
      }),
    ];
  });
}

/** The index of the first item that `isAfter` the cursor's position (the length when none is). */
function firstAfter<T>(items: readonly T[], isAfter: (item: T) => boolean): number {
  const index = items.findIndex(isAfter);
  return index === -1 ? items.length : index;
}

/** The reads over the configured tables and search index (module scope of each handler). */
export const createArticleReads = (db: DynamoDBDocumentClient): ArticleReads =>
  new ArticleReads({
    users: new UsersRepository(db, tableName('Users')),
    articles: new ArticlesRepository(db, tableName('Articles')),
    relations: new RelationsRepository(db, tableName('Relations')),
    search: articleSearch,
  });
