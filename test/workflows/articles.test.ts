/**
 * create-, update-, delete-, favorite- and unfavorite-article: the real ASL files on
 * aws-local-stepfunctions against DynamoDB Local, every branch, checked against what is stored.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import {
  articleKey,
  favoritedKey,
  favoriteKey,
  favoriteOrder,
  followingKey,
  slugKey,
  userKey,
} from '../../lambdas/shared/keys.ts';
import type { ArticleRecord, SlugRecord, UserRecord } from '../../lambdas/shared/records.ts';
import { slugify } from '../../lambdas/shared/slugs.ts';
import type { SyncExecutionResult } from '../../local/workflows.ts';
import { MAX_BODY_BYTES } from '../../schemas/requests.ts';
import { uniqueName, useTestRuntime } from '../support/runtime.ts';
import { type Json, registerThroughWorkflow, requestInput } from '../support/workflows.ts';

const { runtime, db } = useTestRuntime();

type ArticleWorkflow =
  | 'create-article'
  | 'update-article'
  | 'delete-article'
  | 'favorite-article'
  | 'unfavorite-article';

const run = (
  workflow: ArticleWorkflow,
  userId: string,
  { slug, body = null }: { slug?: string; body?: Json } = {},
) =>
  runtime().workflows.startSync(
    workflow,
    requestInput({ userId, path: slug === undefined ? {} : { slug }, body }),
  );

/** The output of a successful execution; fails the test with the error otherwise. */
function succeeded(result: SyncExecutionResult) {
  expect({ status: result.status, error: result.error, cause: result.cause }).toEqual({
    status: 'SUCCEEDED',
  });
  return JSON.parse(result.output ?? 'null');
}

/** The error name and parsed cause of a failed execution. */
const failure = (result: SyncExecutionResult) => ({
  status: result.status,
  error: result.error,
  cause: JSON.parse(result.cause ?? 'null'),
});

const articleItem = async (articleId: string) =>
  (
    await db().send(
      new GetCommand({ TableName: runtime().tableNames.Articles, Key: { pk: articleKey(articleId) } }),
    )
  ).Item as ArticleRecord | undefined;
const slugItem = async (slug: string) =>
  (await db().send(new GetCommand({ TableName: runtime().tableNames.Articles, Key: { pk: slugKey(slug) } })))
    .Item as SlugRecord | undefined;
/** How many articles the user has favorited, by the count the favorite transactions keep. */
const favoritesMade = async (userId: string) =>
  (
    (await db().send(new GetCommand({ TableName: runtime().tableNames.Users, Key: { pk: userKey(userId) } })))
      .Item as UserRecord | undefined
  )?.favoritesMade;
const relationItem = async (key: { pk: string; sk: string }) =>
  (await db().send(new GetCommand({ TableName: runtime().tableNames.Relations, Key: key }))).Item;
const articlesByAuthor = async (authorId: string) =>
  (
    await db().send(
      new QueryCommand({
        TableName: runtime().tableNames.Articles,
        IndexName: 'byAuthor',
        KeyConditionExpression: 'authorId = :authorId',
        ExpressionAttributeValues: { ':authorId': authorId },
      }),
    )
  ).Items ?? [];

const newUser = (prefix = 'writer') => registerThroughWorkflow(runtime(), db(), prefix);

const draft = (title: string, extra: Record<string, Json> = {}): Json => ({
  article: { title, description: 'About it', body: 'The text', ...extra },
});

/** Creates an article and returns the rendered article plus its id (from the slug marker). */
async function newArticle(authorId: string, title = uniqueName('Title '), extra: Record<string, Json> = {}) {
  const output = succeeded(await run('create-article', authorId, { body: draft(title, extra) }));
  const marker = await slugItem(output.article.slug);
  return { ...output.article, id: marker?.articleId as string };
}

describe('create-article', () => {
  it('saves the record and its slug marker, and answers 201 with the rendered article', async () => {
    const author = await newUser();
    const title = uniqueName('How to Train Your Dragon ');
    const output = succeeded(
      await run('create-article', author.id, { body: draft(title, { tagList: ['zeta', 'alpha', 'zeta'] }) }),
    );
    expect(Object.keys(output)).toEqual(['article']);
    const article = output.article;
    expect(article).toEqual({
      slug: slugify(title),
      title,
      description: 'About it',
      body: 'The text',
      tagList: ['alpha', 'zeta'],
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      updatedAt: article.createdAt,
      favorited: false,
      favoritesCount: 0,
      author: { username: author.username, bio: null, image: null, following: false },
    });
    const marker = await slugItem(article.slug);
    expect(marker).toEqual({
      pk: slugKey(article.slug),
      articleId: expect.any(String),
      authorId: author.id,
      articleCreatedAt: article.createdAt,
    });
    // The marker is no item of byAuthor (which a marker with authorId and createdAt would be).
    expect((await articlesByAuthor(author.id)).map((item) => item.pk)).toEqual([
      articleKey(marker?.articleId ?? ''),
    ]);
    expect(await articleItem(marker?.articleId ?? '')).toEqual({
      pk: articleKey(marker?.articleId ?? ''),
      id: marker?.articleId,
      slug: article.slug,
      title,
      description: 'About it',
      body: 'The text',
      tagList: ['alpha', 'zeta'],
      authorId: author.id,
      createdAt: article.createdAt,
      updatedAt: article.createdAt,
      favoritesCount: 0,
      commentSeq: 0,
      lastChange: 'content',
    });
  });

  it('stores an empty tag list when tagList is omitted', async () => {
    const author = await newUser();
    const article = await newArticle(author.id);
    expect(article.tagList).toEqual([]);
    expect((await articleItem(article.id))?.tagList).toEqual([]);
  });

  it('rejects blank or missing fields and a null tagList with Validation, storing nothing', async () => {
    const author = await newUser();
    const blank = failure(
      await run('create-article', author.id, {
        body: { article: { title: ' ', description: '', tagList: null } },
      }),
    );
    expect(blank).toEqual({
      status: 'FAILED',
      error: 'Validation',
      cause: {
        errors: {
          title: ["can't be blank"],
          description: ["can't be blank"],
          body: ["can't be blank"],
          tagList: ['must be an array of strings'],
        },
      },
    });
    expect(failure(await run('create-article', author.id, { body: null })).cause).toEqual({
      errors: { article: ["can't be blank"] },
    });
    expect(await articlesByAuthor(author.id)).toEqual([]);
  });

  it('rejects a caller whose user record does not exist with Unauthorized', async () => {
    expect(failure(await run('create-article', randomUUID(), { body: draft('Orphan') }))).toEqual({
      status: 'FAILED',
      error: 'Unauthorized',
      cause: { errors: { token: ['is invalid'] } },
    });
  });

  it('gives a duplicate title a suffixed slug of its own', async () => {
    const author = await newUser();
    const title = uniqueName('Same Title ');
    const first = await newArticle(author.id, title);
    const second = await newArticle(author.id, title);
    expect(first.slug).toBe(slugify(title));
    expect(second.slug).toMatch(new RegExp(`^${slugify(title)}-[0-9a-f]{8}$`));
    expect(second.id).not.toBe(first.id);
    expect((await articleItem(second.id))?.slug).toBe(second.slug);
    expect((await slugItem(first.slug))?.articleId).toBe(first.id);
  });

  it('gives concurrent creates of the same title distinct slugs', async () => {
    const author = await newUser();
    const title = uniqueName('Race ');
    const outputs = await Promise.all(
      Array.from({ length: 5 }, () => run('create-article', author.id, { body: draft(title) })),
    );
    const slugs = outputs.map((result) => succeeded(result).article.slug as string);
    expect(new Set(slugs).size).toBe(5);
    expect(slugs).toContain(slugify(title));
    const stored = await articlesByAuthor(author.id);
    expect(stored.map((item) => item.slug).sort()).toEqual([...slugs].sort());
    for (const item of stored) expect((await slugItem(item.slug))?.articleId).toBe(item.id);
  });
});

describe('update-article', () => {
  it('after a favorite, marks its own write as a content change (article-events reindexes it)', async () => {
    const author = await newUser();
    const created = await newArticle(author.id);
    succeeded(await run('favorite-article', author.id, { slug: created.slug }));
    expect(await articleItem(created.id)).toMatchObject({ lastChange: 'favoritesCount' });
    succeeded(
      await run('update-article', author.id, { slug: created.slug, body: { article: { body: 'New' } } }),
    );
    expect(await articleItem(created.id)).toMatchObject({
      body: 'New',
      favoritesCount: 1,
      lastChange: 'content',
    });
  });

  it('changes the body only: slug, tags and createdAt stay, updatedAt moves', async () => {
    const author = await newUser();
    const created = await newArticle(author.id, undefined, { tagList: ['b', 'a'] });
    const output = succeeded(
      await run('update-article', author.id, { slug: created.slug, body: { article: { body: 'New text' } } }),
    );
    const article = output.article;
    expect(article).toMatchObject({
      slug: created.slug,
      title: created.title,
      body: 'New text',
      tagList: ['a', 'b'],
      createdAt: created.createdAt,
      favorited: false,
      author: { username: author.username, following: false },
    });
    expect(article.updatedAt > created.updatedAt).toBe(true);
    expect(await articleItem(created.id)).toMatchObject({
      slug: created.slug,
      body: 'New text',
      tagList: ['a', 'b'],
      createdAt: created.createdAt,
      updatedAt: article.updatedAt,
    });
  });

  it('clears the tags with [] and sorts and de-duplicates new ones', async () => {
    const author = await newUser();
    const created = await newArticle(author.id, undefined, { tagList: ['x'] });
    const retagged = succeeded(
      await run('update-article', author.id, {
        slug: created.slug,
        body: { article: { tagList: ['c', 'a', 'c'] } },
      }),
    );
    expect(retagged.article.tagList).toEqual(['a', 'c']);
    const cleared = succeeded(
      await run('update-article', author.id, { slug: created.slug, body: { article: { tagList: [] } } }),
    );
    expect(cleared.article.tagList).toEqual([]);
    expect((await articleItem(created.id))?.tagList).toEqual([]);
  });

  it('rejects a null tagList and blank fields with Validation, changing nothing', async () => {
    const author = await newUser();
    const created = await newArticle(author.id);
    const before = await articleItem(created.id);
    for (const [change, field, message] of [
      [{ tagList: null }, 'tagList', 'must be an array of strings'],
      [{ title: '' }, 'title', "can't be blank"],
      [{ description: '  ' }, 'description', "can't be blank"],
      [{ body: null }, 'body', "can't be blank"],
    ] as const) {
      expect(
        failure(await run('update-article', author.id, { slug: created.slug, body: { article: change } })),
      ).toEqual({ status: 'FAILED', error: 'Validation', cause: { errors: { [field]: [message] } } });
    }
    expect(await articleItem(created.id)).toEqual(before);
  });

  it('renames the slug with a new title: new marker, old marker gone, record updated', async () => {
    const author = await newUser();
    const created = await newArticle(author.id);
    const title = uniqueName('Brand New Title ');
    const output = succeeded(
      await run('update-article', author.id, { slug: created.slug, body: { article: { title } } }),
    );
    expect(output.article).toMatchObject({ title, slug: slugify(title) });
    expect(await slugItem(created.slug)).toBeUndefined();
    expect(await slugItem(slugify(title))).toEqual({
      pk: slugKey(slugify(title)),
      articleId: created.id,
      authorId: author.id,
      articleCreatedAt: created.createdAt,
    });
    expect(await articleItem(created.id)).toMatchObject({ title, slug: slugify(title) });
  });

  it('keeps the slug when the title is re-sent unchanged, even a suffixed one', async () => {
    const author = await newUser();
    const title = uniqueName('Kept ');
    await newArticle(author.id, title);
    const suffixed = await newArticle(author.id, title);
    const output = succeeded(
      await run('update-article', author.id, {
        slug: suffixed.slug,
        body: { article: { title, body: 'x' } },
      }),
    );
    expect(output.article.slug).toBe(suffixed.slug);
    expect((await slugItem(suffixed.slug))?.articleId).toBe(suffixed.id);
  });

  it("renames onto another article's slug with a suffix, leaving the other article alone", async () => {
    const author = await newUser();
    const taken = await newArticle(author.id);
    const renamed = await newArticle(author.id);
    const output = succeeded(
      await run('update-article', author.id, {
        slug: renamed.slug,
        body: { article: { title: taken.title } },
      }),
    );
    const slug = output.article.slug;
    expect(slug).toMatch(new RegExp(`^${taken.slug}-[0-9a-f]{8}$`));
    expect((await slugItem(taken.slug))?.articleId).toBe(taken.id);
    expect((await slugItem(slug))?.articleId).toBe(renamed.id);
    expect(await slugItem(renamed.slug)).toBeUndefined();
    expect((await articleItem(taken.id))?.title).toBe(taken.title);
  });

  it('answers NotFound for an unknown slug and Forbidden for another author, changing nothing', async () => {
    const author = await newUser();
    const intruder = await newUser('intruder');
    const created = await newArticle(author.id);
    const before = await articleItem(created.id);
    expect(
      failure(await run('update-article', author.id, { slug: 'no-such-slug', body: draft('x') })),
    ).toEqual({
      status: 'FAILED',
      error: 'NotFound',
      cause: { errors: { article: ['not found'] } },
    });
    expect(
      failure(
        await run('update-article', intruder.id, {
          slug: created.slug,
          body: { article: { body: 'hijacked' } },
        }),
      ),
    ).toEqual({ status: 'FAILED', error: 'Forbidden', cause: { errors: { article: ['forbidden'] } } });
    expect(await articleItem(created.id)).toEqual(before);
  });

  it('updates an article of the largest accepted size, and rejects a larger body with Validation', async () => {
    const author = await newUser();
    const largest = 'x'.repeat(MAX_BODY_BYTES - 2); // the two quotes of its JSON string count
    const created = await newArticle(author.id, undefined, { body: largest });
    const output = succeeded(
      await run('update-article', author.id, {
        slug: created.slug,
        body: { article: { body: `${largest.slice(1)}y` } },
      }),
    );
    expect(output.article.body).toHaveLength(largest.length);
    expect(
      failure(
        await run('update-article', author.id, {
          slug: created.slug,
          body: { article: { body: `${largest}z` } },
        }),
      ),
    ).toEqual({
      status: 'FAILED',
      error: 'Validation',
      cause: { errors: { body: [`is too long (maximum is ${MAX_BODY_BYTES} bytes)`] } },
    });
  });

  it('lets concurrent updates each apply or fail as a Conflict, never mixing them', async () => {
    const author = await newUser();
    const created = await newArticle(author.id);
    const bodies = ['one', 'two', 'three', 'four'];
    const results = await Promise.all(
      bodies.map((body) =>
        run('update-article', author.id, { slug: created.slug, body: { article: { body } } }),
      ),
    );
    const applied: string[] = [];
    for (const result of results) {
      if (result.status === 'SUCCEEDED') applied.push(succeeded(result).article.body);
      else
        expect(failure(result)).toEqual({
          status: 'FAILED',
          error: 'Conflict',
          cause: { errors: { article: ['was changed by another request'] } },
        });
    }
    expect(applied.length).toBeGreaterThan(0);
    expect(applied).toContain((await articleItem(created.id))?.body);
  });

  it('gives up with Conflict after a bounded number of slugs when the marker is never free', async () => {
    const author = await newUser();
    const created = await newArticle(author.id);
    // An inconsistent table: the article's own marker points elsewhere, another marker points at it.
    const alias = uniqueName('alias-');
    await db().send(
      new PutCommand({
        TableName: runtime().tableNames.Articles,
        Item: { pk: slugKey(alias), articleId: created.id },
      }),
    );
    await db().send(
      new PutCommand({
        TableName: runtime().tableNames.Articles,
        Item: { pk: slugKey(created.slug), articleId: randomUUID() },
      }),
    );
    const before = await articleItem(created.id);
    expect(
      failure(await run('update-article', author.id, { slug: alias, body: { article: { body: 'x' } } })),
    ).toEqual({
      status: 'FAILED',
      error: 'Conflict',
      cause: { errors: { slug: ['has already been taken'] } },
    });
    expect(await articleItem(created.id)).toEqual(before);
  });

  it('shows whether the author favorited their own article', async () => {
    const author = await newUser();
    const created = await newArticle(author.id);
    succeeded(await run('favorite-article', author.id, { slug: created.slug }));
    const output = succeeded(
      await run('update-article', author.id, { slug: created.slug, body: { article: { body: 'again' } } }),
    );
    expect(output.article).toMatchObject({ favorited: true, favoritesCount: 1 });
  });
});

describe('delete-article', () => {
  it('deletes the record and its marker, answers 204, and frees the slug', async () => {
    const author = await newUser();
    const created = await newArticle(author.id);
    expect(succeeded(await run('delete-article', author.id, { slug: created.slug }))).toEqual({});
    expect(await articleItem(created.id)).toBeUndefined();
    expect(await slugItem(created.slug)).toBeUndefined();
    expect(failure(await run('delete-article', author.id, { slug: created.slug })).error).toBe('NotFound');
    const again = await newArticle(author.id, created.title);
    expect(again.slug).toBe(created.slug);
  });

  it('answers NotFound when the slug stopped naming the article before the delete, deleting nothing', async () => {
    const author = await newUser();
    const created = await newArticle(author.id);
    // What a concurrent rename leaves behind for a delete that read the old marker.
    const stale = uniqueName('stale-');
    await db().send(
      new PutCommand({
        TableName: runtime().tableNames.Articles,
        Item: { pk: slugKey(stale), articleId: created.id },
      }),
    );
    expect(failure(await run('delete-article', author.id, { slug: stale }))).toEqual({
      status: 'FAILED',
      error: 'NotFound',
      cause: { errors: { article: ['not found'] } },
    });
    expect((await articleItem(created.id))?.slug).toBe(created.slug);
    expect((await slugItem(stale))?.articleId).toBe(created.id);
  });

  it('answers NotFound for an unknown slug and Forbidden for another author, deleting nothing', async () => {
    const author = await newUser();
    const intruder = await newUser('intruder');
    const created = await newArticle(author.id);
    expect(failure(await run('delete-article', author.id, { slug: 'no-such-slug' }))).toEqual({
      status: 'FAILED',
      error: 'NotFound',
      cause: { errors: { article: ['not found'] } },
    });
    expect(failure(await run('delete-article', intruder.id, { slug: created.slug }))).toEqual({
      status: 'FAILED',
      error: 'Forbidden',
      cause: { errors: { article: ['forbidden'] } },
    });
    expect(await articleItem(created.id)).toBeDefined();
    expect((await slugItem(created.slug))?.articleId).toBe(created.id);
  });
});

describe('favorite-article and unfavorite-article', () => {
  const favoriteRows = async (articleId: string, userId: string) => [
    await relationItem(favoriteKey(articleId, userId)),
    await relationItem(favoritedKey(userId, articleId)),
  ];

  it('favorites once: both rows and the count move together, a repeat changes nothing', async () => {
    const author = await newUser();
    const reader = await newUser('reader');
    const created = await newArticle(author.id);
    const first = succeeded(await run('favorite-article', reader.id, { slug: created.slug }));
    expect(first.article).toMatchObject({
      slug: created.slug,
      body: created.body,
      favorited: true,
      favoritesCount: 1,
      author: { username: author.username, following: false },
    });
    expect(await favoriteRows(created.id, reader.id)).toEqual([
      { ...favoriteKey(created.id, reader.id), articleId: created.id, userId: reader.id },
      {
        ...favoritedKey(reader.id, created.id),
        articleId: created.id,
        userId: reader.id,
        favoritedBy: reader.id,
        articleOrder: favoriteOrder(created.createdAt, created.id),
        authorId: author.id,
      },
    ]);
    expect(await favoritesMade(reader.id)).toBe(1);
    const repeat = succeeded(await run('favorite-article', reader.id, { slug: created.slug }));
    expect(repeat.article).toMatchObject({ favorited: true, favoritesCount: 1 });
    expect(await favoritesMade(reader.id)).toBe(1);
    // A counter-only change, which article-events is not started for (schemas/events.ts).
    expect(await articleItem(created.id)).toMatchObject({ favoritesCount: 1, lastChange: 'favoritesCount' });
  });

  it('counts concurrent favorites by one user once, and by different users each', async () => {
    const author = await newUser();
    const reader = await newUser('reader');
    const other = await newUser('reader');
    const created = await newArticle(author.id);
    const results = await Promise.all([
      ...Array.from({ length: 4 }, () => run('favorite-article', reader.id, { slug: created.slug })),
      run('favorite-article', other.id, { slug: created.slug }),
    ]);
    for (const result of results) succeeded(result);
    expect((await articleItem(created.id))?.favoritesCount).toBe(2);
    expect([await favoritesMade(reader.id), await favoritesMade(other.id)]).toEqual([1, 1]);
  });

  it('unfavorites once: rows gone and count back to 0; a repeat never makes it negative', async () => {
    const author = await newUser();
    const reader = await newUser('reader');
    const created = await newArticle(author.id);
    succeeded(await run('favorite-article', reader.id, { slug: created.slug }));
    const first = succeeded(await run('unfavorite-article', reader.id, { slug: created.slug }));
    expect(first.article).toMatchObject({ favorited: false, favoritesCount: 0 });
    expect(await favoriteRows(created.id, reader.id)).toEqual([undefined, undefined]);
    const repeat = succeeded(await run('unfavorite-article', reader.id, { slug: created.slug }));
    expect(repeat.article).toMatchObject({ favorited: false, favoritesCount: 0 });
    expect(await favoritesMade(reader.id)).toBe(0);
    const never = succeeded(await run('unfavorite-article', author.id, { slug: created.slug }));
    expect(never.article.favoritesCount).toBe(0);
    expect(await favoritesMade(author.id)).toBeUndefined();
    expect(await articleItem(created.id)).toMatchObject({ favoritesCount: 0, lastChange: 'favoritesCount' });
  });

  it("renders the author with the caller's following flag", async () => {
    const author = await newUser();
    const reader = await newUser('reader');
    const created = await newArticle(author.id);
    await db().send(
      new PutCommand({
        TableName: runtime().tableNames.Relations,
        Item: {
          ...followingKey(reader.id, author.id),
          followerId: reader.id,
          followeeId: author.id,
          createdAt: new Date().toISOString(),
        },
      }),
    );
    const favorited = succeeded(await run('favorite-article', reader.id, { slug: created.slug }));
    expect(favorited.article.author).toEqual({
      username: author.username,
      bio: null,
      image: null,
      following: true,
    });
    const unfavorited = succeeded(await run('unfavorite-article', reader.id, { slug: created.slug }));
    expect(unfavorited.article.author.following).toBe(true);
  });

  it('answers NotFound for an unknown slug', async () => {
    const reader = await newUser('reader');
    for (const workflow of ['favorite-article', 'unfavorite-article'] as const) {
      expect(failure(await run(workflow, reader.id, { slug: 'no-such-slug' }))).toEqual({
        status: 'FAILED',
        error: 'NotFound',
        cause: { errors: { article: ['not found'] } },
      });
    }
  });

  it('works with a slug marker written before markers carried authorId and articleCreatedAt', async () => {
    const author = await newUser();
    const reader = await newUser('reader');
    const created = await newArticle(author.id);
    await db().send(
      new PutCommand({
        TableName: runtime().tableNames.Articles,
        Item: { pk: slugKey(created.slug), articleId: created.id },
      }),
    );
    const favorited = succeeded(await run('favorite-article', reader.id, { slug: created.slug }));
    expect(favorited.article).toMatchObject({
      favorited: true,
      favoritesCount: 1,
      author: { username: author.username, following: false },
    });
    expect((await favoriteRows(created.id, reader.id))[1]).toMatchObject({
      favoritedBy: reader.id,
      articleOrder: favoriteOrder(created.createdAt, created.id),
      authorId: author.id,
    });
    expect(await favoritesMade(reader.id)).toBe(1);
    const unfavorited = succeeded(await run('unfavorite-article', reader.id, { slug: created.slug }));
    expect(unfavorited.article).toMatchObject({ favorited: false, favoritesCount: 0 });
    expect(await favoritesMade(reader.id)).toBe(0);
  });

  it('answers NotFound when the article is gone but its slug marker is not, writing no favorite', async () => {
    const reader = await newUser('reader');
    // Markers whose article was deleted by a transaction racing this one, with and without the
    // author's id and creation time (markers written before they carried them).
    for (const carried of [{ authorId: randomUUID(), articleCreatedAt: new Date().toISOString() }, {}]) {
      const slug = uniqueName('dangling-');
      const articleId = randomUUID();
      await db().send(
        new PutCommand({
          TableName: runtime().tableNames.Articles,
          Item: { pk: slugKey(slug), articleId, ...carried },
        }),
      );
      expect(failure(await run('favorite-article', reader.id, { slug })).error).toBe('NotFound');
      expect(failure(await run('unfavorite-article', reader.id, { slug })).error).toBe('NotFound');
      expect(await favoriteRows(articleId, reader.id)).toEqual([undefined, undefined]);
      expect(await favoritesMade(reader.id)).toBeUndefined();
    }
  });
});
