/**
 * The article reads behind GET /api/articles, /api/articles/feed, /api/articles/{slug} and
 * /api/tags. Ids come from the search index (global list, tag, author, full-text `q`, and any of
 * them combined), the favorited# rows (favorited) or the feed# rows (feed); `favorited` with any
 * other filter searches among the ids its rows give (at most MAX_SEARCH_CANDIDATES with `q`). The
 * records, their authors and the reader's following/favorited flags are then read with one batched
 * call each, so a page costs the same number of round trips whatever its length.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type FeedQuery, type ListArticlesQuery, MAX_SEARCH_CANDIDATES } from '../../schemas/requests.ts';
import { ArticlesRepository } from './articles-repository.ts';
import { tableName } from './config.ts';
import { AppError, notFound } from './errors.ts';
import { type Article, presentArticle, presentProfile } from './presenters.ts';
import type { ArticleRecord } from './records.ts';
import { RelationsRepository } from './relations-repository.ts';
import { type ArticleSearch, type ListQuery, newestFirst } from './search/article-search.ts';
import { articleSearch } from './search/configured.ts';
import { UsersRepository } from './users-repository.ts';

export interface ArticleList {
  articles: Article[];
  articlesCount: number;
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
    const { q, tag, author, favorited, limit, offset } = query;
    if (!author && !favorited) return this.searchPage({ q, tag, limit, offset }, readerId);
    const [authorUser, favoritingUser] = await Promise.all([
      author ? this.deps.users.findByUsername(author) : undefined,
      favorited ? this.deps.users.findByUsername(favorited) : undefined,
    ]);
    if ((author && !authorUser) || (favorited && !favoritingUser)) return EMPTY;
    const authorId = authorUser?.id;
    if (!favoritingUser) return this.searchPage({ q, tag, authorId, limit, offset }, readerId);
    if (q) {
      const ids = await this.deps.relations.favoritedArticleIds(favoritingUser.id);
      if (!ids.length) return EMPTY;
      if (ids.length > MAX_SEARCH_CANDIDATES) {
        throw new AppError('Validation', {
          q: [
            `cannot be combined with favorited when that user has favorited more than ${MAX_SEARCH_CANDIDATES} articles`,
          ],
        });
      }
      return this.searchPage({ q, tag, authorId, ids, limit, offset }, readerId);
    }
    // favorited# rows carry no date to sort by: every favorite is loaded and sorted.
    const candidates = (
      await this.deps.articles.findManyByIds(await this.deps.relations.favoritedArticleIds(favoritingUser.id))
    ).sort(newestFirst);
    const matches = candidates.filter(
      (article) => (!authorId || article.authorId === authorId) && (!tag || article.tagList?.includes(tag)),
    );
    return {
      articles: await this.present(matches.slice(offset, offset + limit), readerId),
      articlesCount: matches.length,
    };
  }

  /** A page of the search index, rendered. */
  private async searchPage(query: ListQuery, readerId: string | undefined): Promise<ArticleList> {
    const { ids, total } = await (await this.deps.search()).list(query);
    return {
      articles: await this.present(await this.deps.articles.findManyByIds(ids), readerId),
      articlesCount: total,
    };
  }

  /** GET /api/articles/feed: entries whose article is gone (delete clean-up pending) are skipped. */
  async feed({ limit, offset }: FeedQuery, readerId: string): Promise<ArticleList> {
    const { entries, total } = await this.deps.relations.feedPage(readerId, { limit, offset });
    const articles = await this.deps.articles.findManyByIds(entries.map((entry) => entry.articleId));
    return { articles: await this.present(articles, readerId), articlesCount: total };
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
}

/** The reads over the configured tables and search index (module scope of each handler). */
export const createArticleReads = (db: DynamoDBDocumentClient): ArticleReads =>
  new ArticleReads({
    users: new UsersRepository(db, tableName('Users')),
    articles: new ArticlesRepository(db, tableName('Articles')),
    relations: new RelationsRepository(db, tableName('Relations')),
    search: articleSearch,
  });
