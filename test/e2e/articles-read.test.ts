/**
 * The article reads over real HTTP (list with every filter, feed, single article, tags) and the
 * round trips a page costs. Users register through the API; articles, follows, favorites and feed
 * entries are written straight into the tables exactly as the workflows write them (records.ts,
 * keys.ts), and the index through the sync-search-index task, so the reads are tested on their own.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { ArticleReads } from '../../lambdas/shared/article-reads.ts';
import { ArticlesRepository } from '../../lambdas/shared/articles-repository.ts';
import {
  favoritedKey,
  favoriteKey,
  favoriteOrder,
  feedKey,
  followersKey,
  followingKey,
  userKey,
} from '../../lambdas/shared/keys.ts';
import type {
  ArticleRecord,
  FavoriteRecord,
  FeedRecord,
  FollowRecord,
} from '../../lambdas/shared/records.ts';
import { RelationsRepository } from '../../lambdas/shared/relations-repository.ts';
import type { ArticleSearch } from '../../lambdas/shared/search/article-search.ts';
import { articleSearch } from '../../lambdas/shared/search/configured.ts';
import { UsersRepository } from '../../lambdas/shared/users-repository.ts';
import { handler as syncSearchIndex } from '../../lambdas/tasks/sync-search-index.ts';
import { localAwsConfig } from '../../local/dynamodb-local.ts';
import type { ListArticlesQuery } from '../../schemas/requests.ts';
import { seedArticle, userIdOf } from '../support/articles.ts';
import { registerUser, uniqueName, useTestRuntime } from '../support/runtime.ts';

const { runtime, api, db } = useTestRuntime();

type User = Awaited<ReturnType<typeof registerUser>> & { id: string };

async function newUser(prefix = 'reader'): Promise<User> {
  const user = await registerUser(api, prefix);
  return { ...user, id: await userIdOf(db(), runtime(), user.username) };
}

let clock = Date.now();
/** Distinct, increasing creation times, so "newest first" has one right answer. */
const nextTimestamp = (): string => {
  clock += 1000;
  return new Date(clock).toISOString();
};

/** Writes an article and its slug marker as create-article does, and indexes it as the event workflow does. */
async function createArticle(author: User, tagList: string[] = []): Promise<ArticleRecord> {
  const title = uniqueName('Read test ');
  const article = await seedArticle(db(), runtime(), author.id, {
    title,
    slug: title.toLowerCase().replaceAll(' ', '-'),
    description: `About ${title}`,
    body: `Body of ${title}`,
    tagList: [...new Set(tagList)].sort(),
    createdAt: nextTimestamp(),
  });
  await syncSearchIndex({ action: 'upsert', article });
  return article;
}

/** The favorite rows and both counts, in one transaction as favorite-article writes them. */
async function favorite(reader: User, article: ArticleRecord): Promise<void> {
  const row = (key: { pk: string; sk: string }): FavoriteRecord => ({
    ...key,
    articleId: article.id,
    userId: reader.id,
  });
  const indexed: FavoriteRecord = {
    ...row(favoritedKey(reader.id, article.id)),
    favoritedBy: reader.id,
    articleOrder: favoriteOrder(article.createdAt, article.id),
    authorId: article.authorId,
  };
  await db().send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: runtime().tableNames.Relations, Item: row(favoriteKey(article.id, reader.id)) } },
        { Put: { TableName: runtime().tableNames.Relations, Item: indexed } },
        {
          Update: {
            TableName: runtime().tableNames.Articles,
            Key: { pk: article.pk },
            UpdateExpression: 'ADD favoritesCount :one',
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
        {
          Update: {
            TableName: runtime().tableNames.Users,
            Key: { pk: userKey(reader.id) },
            UpdateExpression: 'ADD favoritesMade :one',
            ExpressionAttributeValues: { ':one': 1 },
          },
        },
      ],
    }),
  );
}

/** Both follow rows, as follow-user writes them. */
async function follow(follower: User, followee: User): Promise<void> {
  const row = (key: { pk: string; sk: string }): FollowRecord => ({
    ...key,
    followerId: follower.id,
    followeeId: followee.id,
    createdAt: nextTimestamp(),
  });
  await db().send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Put: {
            TableName: runtime().tableNames.Relations,
            Item: row(followingKey(follower.id, followee.id)),
          },
        },
        {
          Put: {
            TableName: runtime().tableNames.Relations,
            Item: row(followersKey(followee.id, follower.id)),
          },
        },
      ],
    }),
  );
}

/** A feed entry, as the fan-out writes it. */
async function addToFeed(reader: User, article: ArticleRecord): Promise<void> {
  const entry: FeedRecord = {
    ...feedKey(reader.id, article.createdAt, article.id),
    articleId: article.id,
    authorId: article.authorId,
    createdAt: article.createdAt,
  };
  await db().send(new PutCommand({ TableName: runtime().tableNames.Relations, Item: entry }));
}

const slugs = (response: { body: { articles: { slug: string }[] } }) =>
  response.body.articles.map((article) => article.slug);

describe('GET /api/articles', () => {
  let author: User;
  let reader: User;
  let tag: string;
  let articles: ArticleRecord[];

  beforeAll(async () => {
    author = await newUser('author');
    reader = await newUser();
    tag = uniqueName('tag');
    articles = [];
    for (let i = 0; i < 3; i++) articles.push(await createArticle(author, i === 1 ? [tag] : [tag, 'other']));
    await follow(reader, author);
    await favorite(reader, articles[0] as ArticleRecord);
  });

  it('filters by author, newest first, without bodies, with the total', async () => {
    const response = await api.get(`/api/articles?author=${author.username}`);
    expect(response.status).toBe(200);
    expect(response.body.articlesCount).toBe(3);
    expect(slugs(response)).toEqual(articles.map((article) => article.slug).reverse());
    const [newest] = response.body.articles;
    expect(newest).not.toHaveProperty('body');
    expect(newest).toEqual({
      slug: articles[2]?.slug,
      title: articles[2]?.title,
      description: articles[2]?.description,
      tagList: ['other', tag].sort(),
      createdAt: articles[2]?.createdAt,
      updatedAt: articles[2]?.updatedAt,
      favorited: false,
      favoritesCount: 0,
      author: { username: author.username, bio: null, image: null, following: false },
    });
  });

  it('pages with limit and offset, keeping the total', async () => {
    const first = await api.get(`/api/articles?author=${author.username}&limit=1`);
    const second = await api.get(`/api/articles?author=${author.username}&limit=1&offset=1`);
    const beyond = await api.get(`/api/articles?author=${author.username}&limit=2&offset=3`);
    expect([slugs(first), slugs(second), slugs(beyond)]).toEqual([
      [articles[2]?.slug],
      [articles[1]?.slug],
      [],
    ]);
    expect([first, second, beyond].map((response) => response.body.articlesCount)).toEqual([3, 3, 3]);
  });

  it("renders the reader's following and favorited flags", async () => {
    const response = await api.get(`/api/articles?author=${author.username}`, reader.token);
    expect(
      response.body.articles.map((article: { author: { following: boolean } }) => article.author.following),
    ).toEqual([true, true, true]);
    expect(
      response.body.articles.map((article: { favorited: boolean; favoritesCount: number }) => [
        article.favorited,
        article.favoritesCount,
      ]),
    ).toEqual([
      [false, 0],
      [false, 0],
      [true, 1],
    ]);
  });

  it('filters by tag through the search index', async () => {
    const response = await api.get(`/api/articles?tag=${tag}`, reader.token);
    expect(response.status).toBe(200);
    expect(response.body.articlesCount).toBe(3);
    expect(slugs(response)).toEqual(articles.map((article) => article.slug).reverse());
    const paged = await api.get(`/api/articles?tag=${tag}&limit=2&offset=1`);
    expect(slugs(paged)).toEqual([articles[1]?.slug, articles[0]?.slug]);
    expect(paged.body.articlesCount).toBe(3);
  });

  it('lists everything newest first without a filter', async () => {
    const response = await api.get('/api/articles?limit=2');
    expect(response.status).toBe(200);
    expect(response.body.articlesCount).toBeGreaterThanOrEqual(3);
    expect(response.body.articles).toHaveLength(2);
    const dates = response.body.articles.map((article: { createdAt: string }) => article.createdAt);
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it('filters by favorited username, and combines filters', async () => {
    const favorites = await api.get(`/api/articles?favorited=${reader.username}`, reader.token);
    expect(favorites.body).toMatchObject({
      articlesCount: 1,
      articles: [{ slug: articles[0]?.slug, favorited: true }],
    });
    const both = await api.get(
      `/api/articles?favorited=${reader.username}&author=${author.username}&tag=other`,
    );
    expect(slugs(both)).toEqual([articles[0]?.slug]);
    const none = await api.get(`/api/articles?author=${author.username}&tag=${uniqueName('nothing')}`);
    expect(none.body).toEqual({ articles: [], articlesCount: 0 });
    const authorAndTag = await api.get(`/api/articles?author=${author.username}&tag=other&limit=1`);
    expect(authorAndTag.body.articlesCount).toBe(2);
    expect(slugs(authorAndTag)).toEqual([articles[2]?.slug]);
  });

  it('answers an empty list for an unknown author or favoriting user', async () => {
    for (const filter of ['author', 'favorited']) {
      const response = await api.get(`/api/articles?${filter}=${uniqueName('nobody')}`);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ articles: [], articlesCount: 0 });
    }
  });

  it('answers 422 for a bad limit or offset', async () => {
    for (const [query, field] of [
      ['limit=-1', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=0', 'limit'],
      ['limit=1000', 'limit'],
      ['offset=-5', 'offset'],
      ['offset=1.5', 'offset'],
    ] as const) {
      const response = await api.get(`/api/articles?${query}`);
      expect(response.status).toBe(422);
      expect(Object.keys(response.body.errors)).toEqual([field]);
    }
    expect((await api.get('/api/articles/feed?limit=x', reader.token)).status).toBe(422);
  });

  it('leaves out an article the index still lists after its record is gone', async () => {
    const ghost = {
      ...articles[0],
      id: 'no-such-article',
      createdAt: '2999-01-01T00:00:00.000Z',
    } as ArticleRecord;
    await syncSearchIndex({ action: 'upsert', article: ghost });
    try {
      const response = await api.get(`/api/articles?tag=${tag}`);
      expect(response.status).toBe(200);
      expect(slugs(response)).toEqual(articles.map((article) => article.slug).reverse());
    } finally {
      await syncSearchIndex({ action: 'remove', articleId: ghost.id });
    }
  });
});

describe('GET /api/articles/feed', () => {
  it('lists feed entries newest first with the total, skipping deleted articles', async () => {
    const celebrity = await newUser('celeb');
    const reader = await newUser();
    const empty = await api.get('/api/articles/feed', reader.token);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ articles: [], articlesCount: 0 });

    await follow(reader, celebrity);
    const first = await createArticle(celebrity);
    const second = await createArticle(celebrity);
    for (const article of [first, second]) await addToFeed(reader, article);

    const feed = await api.get('/api/articles/feed', reader.token);
    expect(feed.body.articlesCount).toBe(2);
    expect(slugs(feed)).toEqual([second.slug, first.slug]);
    expect(feed.body.articles[0]).not.toHaveProperty('body');
    expect(feed.body.articles[0].author).toEqual({
      username: celebrity.username,
      bio: null,
      image: null,
      following: true,
    });
    const page = await api.get('/api/articles/feed?limit=1&offset=1', reader.token);
    expect(page.body).toMatchObject({ articlesCount: 2, articles: [{ slug: first.slug }] });

    // A feed entry whose article is gone (its clean-up still pending) is skipped.
    await addToFeed(reader, { ...second, id: 'deleted-article', createdAt: '2999-01-01T00:00:00.000Z' });
    const withGhost = await api.get('/api/articles/feed', reader.token);
    expect(slugs(withGhost)).toEqual([second.slug, first.slug]);
  });

  it('requires authentication', async () => {
    const response = await api.get('/api/articles/feed');
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ errors: { token: ['is missing'] } });
  });
});

describe('GET /api/articles/{slug}', () => {
  it('returns the article with its body, and 404 for an unknown slug', async () => {
    const author = await newUser('author');
    const reader = await newUser();
    const article = await createArticle(author, ['b', 'a']);
    await favorite(reader, article);

    const anonymous = await api.get(`/api/articles/${article.slug}`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.article).toMatchObject({
      slug: article.slug,
      body: article.body,
      tagList: ['a', 'b'],
      favorited: false,
      favoritesCount: 1,
      author: { username: author.username, following: false },
    });
    const asReader = await api.get(`/api/articles/${article.slug}`, reader.token);
    expect(asReader.body.article).toMatchObject({ favorited: true, favoritesCount: 1 });

    const missing = await api.get(`/api/articles/${uniqueName('missing-')}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ errors: { article: ['not found'] } });
  });
});

describe('GET /api/tags', () => {
  it('lists the distinct tags of the index, most used first', async () => {
    const author = await newUser('author');
    const [common, rare] = [uniqueName('common'), uniqueName('rare')];
    await createArticle(author, [common, rare]);
    await createArticle(author, [common]);
    const response = await api.get('/api/tags');
    expect(response.status).toBe(200);
    const tags: string[] = response.body.tags;
    expect(new Set(tags).size).toBe(tags.length);
    expect(tags).toContain(rare);
    expect(tags.indexOf(common)).toBeLessThan(tags.indexOf(rare));
  });
});

describe('round trips', () => {
  /** ArticleReads on a client that counts DynamoDB calls, and a search that counts its calls. */
  function countingReads() {
    const counts = { dynamoDb: 0, search: 0 };
    const client = DynamoDBDocumentClient.from(
      new DynamoDBClient({ ...localAwsConfig, endpoint: runtime().dynamoDbEndpoint }),
    );
    client.middlewareStack.add(
      (next) => async (args) => {
        counts.dynamoDb++;
        return next(args);
      },
      { step: 'initialize' },
    );
    const counted = async (): Promise<ArticleSearch> => {
      const search = await articleSearch();
      return {
        list: (query) => {
          counts.search++;
          return search.list(query);
        },
        tags: () => {
          counts.search++;
          return search.tags();
        },
        upsert: (document) => search.upsert(document),
        remove: (id) => search.remove(id),
        documents: () => search.documents(),
        rebuild: (batches) => search.rebuild(batches),
      };
    };
    const names = runtime().tableNames;
    const reads = new ArticleReads({
      users: new UsersRepository(client, names.Users),
      articles: new ArticlesRepository(client, names.Articles),
      relations: new RelationsRepository(client, names.Relations),
      search: counted,
    });
    return { reads, counts, destroy: () => client.destroy() };
  }

  it('do not grow with the page size', async () => {
    const author = await newUser('prolific');
    const reader = await newUser();
    const tag = uniqueName('many');
    await follow(reader, author);
    for (let i = 0; i < 12; i++) {
      const article = await createArticle(author, [tag]);
      await addToFeed(reader, article);
      if (i % 2) await favorite(reader, article);
    }
    const { reads, counts, destroy } = countingReads();
    /** The cost of a page of 1 and of a page of up to 12 (`available` articles match). */
    const measure = async (read: (limit: number) => Promise<{ articles: unknown[] }>, available = 12) => {
      const costs: { dynamoDb: number; search: number }[] = [];
      for (const limit of [1, 12]) {
        counts.dynamoDb = 0;
        counts.search = 0;
        const { articles } = await read(limit);
        expect(articles).toHaveLength(Math.min(limit, available));
        costs.push({ ...counts });
      }
      expect(costs[1]).toEqual(costs[0]);
      return costs[0];
    };
    try {
      const page = (limit: number) => ({ limit, offset: 0 });
      const query = (filters: Partial<ListArticlesQuery>, limit: number): ListArticlesQuery => ({
        q: undefined,
        tag: undefined,
        author: undefined,
        favorited: undefined,
        ...page(limit),
        ...filters,
      });
      const byTag = await measure((limit) => reads.list(query({ tag }, limit), reader.id));
      const byTagAnonymous = await measure((limit) => reads.list(query({ tag }, limit), undefined));
      const byAuthor = await measure((limit) =>
        reads.list(query({ author: author.username }, limit), reader.id),
      );
      const byFavorited = await measure(
        (limit) => reads.list(query({ favorited: reader.username }, limit), reader.id),
        6,
      );
      const feed = await measure((limit) => reads.feed(page(limit), reader.id));
      expect({ byTag, byTagAnonymous, byAuthor, byFavorited, feed }).toEqual({
        // search ids, then articles, authors, following and favorited: one BatchGetItem each
        byTag: { dynamoDb: 4, search: 1 },
        byTagAnonymous: { dynamoDb: 2, search: 1 },
        // username marker, search hits, then articles, authors, following and favorited at once
        byAuthor: { dynamoDb: 5, search: 1 },
        // username marker and user, one byFavoritingUser index query, then articles, authors, following and favorited at once
        byFavorited: { dynamoDb: 7, search: 0 },
        // one feed query (page and length), articles, authors, following, favorited
        feed: { dynamoDb: 5, search: 0 },
      });
    } finally {
      destroy();
    }
  });
});
