/**
 * verify-data against DynamoDB Local: a dataset seeded straight into the tables with one case of
 * every finding kind, each reported with its keys and nothing else reported; then repairData
 * fixes every derived finding (BatchWriteItem retried through UnprocessedItems), leaves the source
 * records as they were, and a second verify finds only the broken source invariants.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  articleKey,
  commentKey,
  emailKey,
  favoritedKey,
  favoriteKey,
  favoriteOrder,
  feedKey,
  followersKey,
  followingKey,
  slugKey,
  userKey,
  usernameKey,
} from '../../lambdas/shared/keys.ts';
import type { ArticleRecord, UserRecord } from '../../lambdas/shared/records.ts';
import { toSearchDocument } from '../../lambdas/shared/search/article-search.ts';
import { articleSearch } from '../../lambdas/shared/search/configured.ts';
import { repairData } from '../../ops/repair-data.ts';
import {
  derivedFindingKinds,
  type Finding,
  sourceFindingKinds,
  type VerifyOptions,
  verifyData,
} from '../../ops/verify-data.ts';
import { articleRecord, seedArticle } from '../support/articles.ts';
import { countBatchWrites, feedEntry, minute } from '../support/events.ts';
import { useTestRuntime } from '../support/runtime.ts';

type Item = Record<string, unknown>;

const { runtime, db } = useTestRuntime();

const user = (name: string): UserRecord => {
  const id = randomUUID();
  return {
    pk: userKey(id),
    id,
    username: name,
    email: `${name}@example.com`,
    passwordHash: 'not-a-hash',
    bio: null,
    image: null,
    createdAt: minute(0),
    updatedAt: minute(0),
    version: 1,
  };
};

const put = (table: 'Users' | 'Articles' | 'Relations', Item: Item) =>
  db().send(new PutCommand({ TableName: runtime().tableNames[table], Item }));

async function scanAll(table: 'Users' | 'Articles' | 'Relations'): Promise<Item[]> {
  const items: Item[] = [];
  const pages = paginateScan(
    { client: db() },
    { TableName: runtime().tableNames[table], ConsistentRead: true },
  );
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}

/** Items as text in one order, whatever the order of their attributes. */
const sortedItems = (items: Item[]): string[] =>
  items.map((item) => JSON.stringify(Object.fromEntries(Object.entries(item).sort()))).sort();

/** A finding as `kind first-key`, to compare whole reports at a glance. */
const summary = (finding: Finding): string => {
  const [key] = finding.keys;
  const where = !key
    ? ''
    : 'searchDocument' in key
      ? key.searchDocument
      : 'searchTag' in key
        ? key.searchTag
        : `${key.pk}${key.sk === undefined ? '' : ` ${key.sk}`}`;
  return `${finding.kind} ${where}`.trim();
};

describe('verifyData and repairData on seeded data', () => {
  const [alice, bob, reader, carol] = ['alice', 'bob', 'reader', 'carol'].map((name) =>
    user(`${name}${randomUUID().slice(0, 6)}`),
  ) as [UserRecord, UserRecord, UserRecord, UserRecord];
  const goneArticleId = randomUUID();
  const ghostId = randomUUID();
  const danglingEmail = emailKey(`nobody${randomUUID().slice(0, 6)}@example.com`);
  const danglingSlug = slugKey(`dangling-${randomUUID().slice(0, 6)}`);
  const noSuchUser = randomUUID();
  const noSuchArticle = randomUUID();
  let bobNew: ArticleRecord;
  let bobOld: ArticleRecord;
  let aliceArticle: ArticleRecord;
  let withoutSlug: ArticleRecord;
  let options: VerifyOptions;
  let expected: string[];

  beforeAll(async () => {
    // Source records, through the tables; the events they cause are settled before derived data is set.
    for (const record of [alice, bob, reader, carol]) {
      // reader's count is right (the favorite of a deleted article is not counted); alice has none.
      await put('Users', { ...record, ...(record === reader ? { favoritesMade: 1 } : {}) });
      await put('Users', { pk: emailKey(record.email), userId: record.id });
      if (record !== carol) await put('Users', { pk: usernameKey(record.username), userId: record.id });
    }
    await put('Users', { pk: danglingEmail, userId: noSuchUser });

    bobNew = await seedArticle(db(), runtime(), bob.id, {
      createdAt: minute(10),
      updatedAt: minute(10),
      tagList: ['dragons', 'training'],
      favoritesCount: 1,
      commentSeq: 2,
    });
    bobOld = await seedArticle(db(), runtime(), bob.id, { createdAt: minute(1), tagList: ['dragons'] });
    aliceArticle = await seedArticle(db(), runtime(), alice.id, {
      createdAt: minute(5),
      tagList: ['training'],
    });
    withoutSlug = articleRecord(carol.id, { createdAt: minute(7) });
    await put('Articles', { ...withoutSlug });
    await put('Articles', { pk: danglingSlug, articleId: noSuchArticle });
    // A marker written before markers carried authorId and articleCreatedAt.
    await put('Articles', { pk: slugKey(bobOld.slug), articleId: bobOld.id });

    const follow = (followerId: string, followeeId: string, feedFrom?: string) => ({
      ...followingKey(followerId, followeeId),
      followerId,
      followeeId,
      createdAt: minute(20),
      ...(feedFrom === undefined ? {} : { feedFrom }),
    });
    const follower = (followerId: string, followeeId: string) => ({
      ...followersKey(followeeId, followerId),
      followerId,
      followeeId,
      createdAt: minute(20),
    });
    const favorite = (articleId: string, userId: string) => ({
      ...favoriteKey(articleId, userId),
      articleId,
      userId,
    });
    /** With the byFavoritingUser keys and author when the article is given, as favorite-article writes it. */
    const favorited = (userId: string, articleId: string, article?: ArticleRecord) => ({
      ...favoritedKey(userId, articleId),
      articleId,
      userId,
      ...(article
        ? {
            favoritedBy: userId,
            articleOrder: favoriteOrder(article.createdAt, articleId),
            authorId: article.authorId,
          }
        : {}),
    });
    const comment = (articleId: string, id: number) => ({
      ...commentKey(articleId, id),
      id,
      articleId,
      body: 'hi',
      authorId: reader.id,
      createdAt: minute(30),
      updatedAt: minute(30),
    });
    for (const item of [
      follow(reader.id, bob.id, minute(5)),
      follower(reader.id, bob.id),
      follow(alice.id, bob.id), // written before feedFrom existed: every article
      follower(alice.id, bob.id),
      follow(carol.id, alice.id), // without its mirror
      follower(bob.id, alice.id), // without its following# item
      favorite(aliceArticle.id, reader.id), // aliceArticle's favoritesCount stays 0
      favorited(reader.id, aliceArticle.id, aliceArticle),
      favorite(bobNew.id, carol.id), // without its favorited# mirror
      favorited(alice.id, bobOld.id), // without its favorites# row, its index keys and alice's count
      comment(bobNew.id, 5), // commentSeq is 2
      favorite(goneArticleId, reader.id),
      favorited(reader.id, goneArticleId),
      comment(goneArticleId, 1),
    ]) {
      await put('Relations', item);
    }
    await runtime().events.settle();

    // Derived data, exactly as the cases need it.
    for (const item of await scanAll('Relations')) {
      if (String(item.pk).startsWith('feed#')) {
        await db().send(
          new DeleteCommand({ TableName: runtime().tableNames.Relations, Key: { pk: item.pk, sk: item.sk } }),
        );
      }
    }
    const gone = articleRecord(bob.id, { id: goneArticleId, createdAt: minute(12) });
    for (const item of [
      feedEntry(reader.id, bobOld), // before the follow's feedFrom
      feedEntry(reader.id, aliceArticle), // reader does not follow alice
      feedEntry(reader.id, gone), // article deleted
      { ...feedEntry(reader.id, bobNew), ...feedKey(reader.id, minute(11), bobNew.id) }, // wrong key
      feedEntry(alice.id, bobNew),
      { ...feedEntry(alice.id, bobOld), authorId: carol.id }, // stale
      feedEntry(carol.id, aliceArticle),
    ]) {
      await put('Relations', item);
    }
    const search = await articleSearch();
    await search.rebuild(
      (async function* () {
        yield [
          { ...toSearchDocument(bobNew), tagList: ['dragons'] },
          toSearchDocument(bobOld),
          {
            id: ghostId,
            title: 'Ghost',
            description: '',
            body: '',
            tagList: ['ghostly'],
            authorId: alice.id,
            createdAt: minute(3),
            updatedAt: minute(3),
          },
        ];
      })(),
    );
    // The runtime's own client, so countBatchWrites sees the repair's calls.
    options = {
      db: DynamoDBDocumentClient.from(runtime().dynamoDb),
      tableNames: runtime().tableNames,
      search,
    };

    const relation = (key: { pk: string; sk: string }) => `${key.pk} ${key.sk}`;
    expected = [
      `feed-entry-missing ${relation(feedKey(reader.id, bobNew.createdAt, bobNew.id))}`,
      `feed-entry-stale ${relation(feedKey(alice.id, bobOld.createdAt, bobOld.id))}`,
      `feed-entry-wrong-key ${relation(feedKey(reader.id, minute(11), bobNew.id))}`,
      `feed-entry-of-deleted-article ${relation(feedKey(reader.id, gone.createdAt, gone.id))}`,
      `feed-entry-not-followed ${relation(feedKey(reader.id, aliceArticle.createdAt, aliceArticle.id))}`,
      `feed-entry-before-feed-from ${relation(feedKey(reader.id, bobOld.createdAt, bobOld.id))}`,
      `search-document-missing ${aliceArticle.id}`,
      `search-document-missing ${withoutSlug.id}`,
      `search-document-stale ${bobNew.id}`,
      `search-document-ghost ${ghostId}`,
      'search-total-mismatch',
      'search-tags-mismatch',
      'search-tag-total-mismatch training',
      'search-tag-total-mismatch ghostly',
      `orphan-favorite ${relation(favoriteKey(goneArticleId, reader.id))}`,
      `orphan-favorited ${relation(favoritedKey(reader.id, goneArticleId))}`,
      `orphan-comment ${relation(commentKey(goneArticleId, 1))}`,
      `user-marker-missing ${userKey(carol.id)}`,
      `user-marker-dangling ${danglingEmail}`,
      `slug-marker-missing ${articleKey(withoutSlug.id)}`,
      `slug-marker-dangling ${danglingSlug}`,
      `favorites-count-mismatch ${articleKey(aliceArticle.id)}`,
      `missing-favorited-mirror ${relation(favoriteKey(bobNew.id, carol.id))}`,
      `missing-favorites-mirror ${relation(favoritedKey(alice.id, bobOld.id))}`,
      `missing-followers-mirror ${relation(followingKey(carol.id, alice.id))}`,
      `missing-following-mirror ${relation(followersKey(alice.id, bob.id))}`,
      `comment-seq-behind ${articleKey(bobNew.id)}`,
      `favorited-row-unindexed ${relation(favoritedKey(alice.id, bobOld.id))}`,
      `favorites-made-mismatch ${userKey(alice.id)}`,
      `slug-marker-incomplete ${slugKey(bobOld.slug)}`,
    ].sort();
  });

  it('reports every difference and broken invariant, with its keys, and nothing else', async () => {
    const report = await verifyData(options);
    expect(report.findings.map(summary).sort()).toEqual(expected);
    expect(new Set(report.findings.map((finding) => finding.kind))).toEqual(
      new Set([...derivedFindingKinds, ...sourceFindingKinds]),
    );
    expect(report.checked).toEqual({
      users: 4,
      emailMarkers: 5,
      usernameMarkers: 3,
      articles: 4,
      slugMarkers: 4,
      follows: 3,
      followerRows: 3,
      favorites: 3,
      favoritedRows: 3,
      comments: 2,
      feedEntries: 7,
      // reader: bobNew (bobOld is before feedFrom); alice: bobNew, bobOld; carol: aliceArticle
      expectedFeedEntries: 4,
      searchDocuments: 3,
      tags: 2,
      otherItems: expect.any(Number),
    });
    const message = (kind: string) => report.findings.find((finding) => finding.kind === kind)?.message;
    expect(message('search-document-stale')).toBe(
      `search document ${bobNew.id}: tags [dragons] should be [dragons, training]`,
    );
    expect(message('search-tags-mismatch')).toBe(
      'tags should be [dragons, training] (2) but are [dragons, ghostly] (2); first difference at #2: training expected, ghostly listed',
    );
    expect(message('feed-entry-stale')).toBe(
      `feed entry of ${alice.id} for article ${bobOld.id} has a wrong authorId`,
    );
  });

  it('repairs derived data only, retrying unprocessed writes, and leaves the source records alone but for the attributes a deploy added', async () => {
    const before = await verifyData(options);
    /** The items written before the deploy, as the repair completes them. */
    const completed = (item: Item): Item => {
      if (item.pk === userKey(alice.id)) return { ...item, favoritesMade: 1 };
      if (item.pk === slugKey(bobOld.slug))
        return { ...item, authorId: bob.id, articleCreatedAt: bobOld.createdAt };
      if (item.pk === favoritedKey(alice.id, bobOld.id).pk && item.sk === bobOld.id) {
        return {
          ...item,
          favoritedBy: alice.id,
          articleOrder: favoriteOrder(bobOld.createdAt, bobOld.id),
          authorId: bob.id,
        };
      }
      return item;
    };
    const sourceBefore = {
      users: sortedItems((await scanAll('Users')).map(completed)),
      articles: sortedItems((await scanAll('Articles')).map(completed)),
      relations: sortedItems(
        (await scanAll('Relations'))
          .filter(
            (item) =>
              !String(item.pk).startsWith('feed#') &&
              !String(item.pk).includes(goneArticleId) &&
              item.sk !== goneArticleId,
          )
          .map(completed),
      ),
    };

    const batchWrites = countBatchWrites(runtime());
    batchWrites.throttle(4); // DynamoDB takes 4 writes a call and hands back the rest
    const result = await repairData(options, before);
    batchWrites.remove();
    // 9 writes (6 feed entries, 3 orphans) in one batch: 4 + 4 + 1
    expect(batchWrites.calls()).toBe(3);
    expect(result.repaired.map(summary).sort()).toEqual(
      before.findings
        .filter((finding) => finding.repair)
        .map(summary)
        .sort(),
    );
    expect(result.unrepaired.every((finding) => finding.category === 'source' || !finding.repair)).toBe(true);

    const after = await verifyData(options);
    expect(after.findings.map(summary).sort()).toEqual(
      before.findings
        .filter((finding) => finding.category === 'source')
        .map(summary)
        .sort(),
    );
    expect({
      users: sortedItems(await scanAll('Users')),
      articles: sortedItems(await scanAll('Articles')),
      relations: sortedItems(
        (await scanAll('Relations')).filter((item) => !String(item.pk).startsWith('feed#')),
      ),
    }).toEqual(sourceBefore);
    expect(after.checked.feedEntries).toBe(4);
    expect(after.checked.searchDocuments).toBe(4);
  });
});
