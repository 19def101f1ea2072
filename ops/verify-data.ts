/**
 * The oracle of the derived data (docs/events.md, "verify-data"): scans the three tables, computes
 * what the feeds, the search index and its tags should be and which clean-up after deletes is owed,
 * and compares that with what is stored. It also checks the invariants the source records keep by
 * themselves (markers, counts, mirrors): no event maintains those, so they are reported, never
 * repaired (repair-data.ts repairs derived data only). Three attributes that a deploy added to
 * source items are checked as derived data, so that a repair fills them in on items written before
 * (docs/deploy.md): the byFavoritingUser index keys of favorited# rows, users' favoritesMade and
 * slug markers' authorId and articleCreatedAt.
 *
 * Memory: one map entry per user, article, follow, favorite and feed entry, holding ids only.
 * Run it when writes are quiet: an event still in flight shows up as a difference.
 */
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
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
  partitionOf,
  slugKey,
  userKey,
  usernameKey,
} from '../lambdas/shared/keys.ts';
import { type ArticleRecord, FEED_FROM_EVERY_ARTICLE, type FeedRecord } from '../lambdas/shared/records.ts';
import {
  type ArticleSearch,
  MAX_TAGS,
  type SearchDocument,
  toSearchDocument,
} from '../lambdas/shared/search/article-search.ts';
import type { TableId } from '../schemas/tables.ts';
import { inParallel } from './in-parallel.ts';

/** What verify-data needs of the search index (any ArticleSearch, or the local admin client). */
export type VerifiableSearch = Pick<ArticleSearch, 'documents' | 'list' | 'tags' | 'upsert' | 'remove'>;

export interface VerifyOptions {
  readonly db: DynamoDBDocumentClient;
  readonly tableNames: Readonly<Record<TableId, string>>;
  readonly search: VerifiableSearch;
}

/** Differences in derived data: feeds, the search index and tags, clean-up after deletes. */
export const derivedFindingKinds = [
  'feed-entry-missing',
  'feed-entry-stale',
  'feed-entry-wrong-key',
  'feed-entry-of-deleted-article',
  'feed-entry-not-followed',
  'feed-entry-before-feed-from',
  'search-document-missing',
  'search-document-stale',
  'search-document-ghost',
  'search-total-mismatch',
  'search-tag-total-mismatch',
  'search-tags-mismatch',
  'orphan-favorite',
  'orphan-favorited',
  'orphan-comment',
  'favorited-row-unindexed',
  'favorites-made-mismatch',
  'slug-marker-incomplete',
] as const;

/** Broken invariants of the source records, which only the write workflows' transactions keep. */
export const sourceFindingKinds = [
  'user-marker-missing',
  'user-marker-dangling',
  'slug-marker-missing',
  'slug-marker-dangling',
  'favorites-count-mismatch',
  'missing-favorited-mirror',
  'missing-favorites-mirror',
  'missing-followers-mirror',
  'missing-following-mirror',
  'comment-seq-behind',
] as const;

export type DerivedFindingKind = (typeof derivedFindingKinds)[number];
export type SourceFindingKind = (typeof sourceFindingKinds)[number];
export type FindingKind = DerivedFindingKind | SourceFindingKind;

/** An item a finding is about: a table item, a search document, or a tag of the search index. */
export type FindingKey =
  | { readonly table: TableId; readonly pk: string; readonly sk?: string }
  | { readonly searchDocument: string }
  | { readonly searchTag: string };

/** What repairData does about a finding: derived items live in Relations and the search index. */
export type Repair =
  | { readonly action: 'put-item'; readonly table: 'Relations'; readonly item: FeedRecord }
  | { readonly action: 'delete-item'; readonly table: 'Relations'; readonly key: { pk: string; sk: string } }
  /** Sets attributes of a source item, on the condition that it is still as read (else it is left). */
  | {
      readonly action: 'update-item';
      readonly table: TableId;
      readonly key: { pk: string; sk?: string };
      readonly set: Readonly<Record<string, string | number>>;
      readonly condition: string;
      readonly values: Readonly<Record<string, string | number>>;
    }
  | { readonly action: 'upsert-document'; readonly document: SearchDocument }
  | { readonly action: 'remove-document'; readonly articleId: string };

export interface Finding {
  readonly kind: FindingKind;
  readonly category: 'derived' | 'source';
  readonly keys: readonly FindingKey[];
  /** One line, for people. */
  readonly message: string;
  /**
   * Absent for broken source invariants, and for tags and totals, which follow from the
   * documents: repairing the documents repairs them.
   */
  readonly repair?: Repair;
}

/** How many items of each sort verify-data read (`expectedFeedEntries`: how many should exist). */
export interface VerifyCounts {
  users: number;
  emailMarkers: number;
  usernameMarkers: number;
  articles: number;
  slugMarkers: number;
  follows: number;
  followerRows: number;
  favorites: number;
  favoritedRows: number;
  comments: number;
  feedEntries: number;
  expectedFeedEntries: number;
  searchDocuments: number;
  tags: number;
  /** Items of no sort listed here (e.g. bookkeeping items of the event workflows): not checked. */
  otherItems: number;
}

export interface VerifyReport {
  readonly checked: Readonly<VerifyCounts>;
  readonly findings: readonly Finding[];
}

type Item = Record<string, unknown>;

/** What the checks keep of an article: no title, description or body. */
interface ArticleFacts {
  readonly id: string;
  readonly slug: string;
  readonly authorId: string;
  readonly createdAt: string;
  readonly favoritesCount: number;
  readonly commentSeq: number;
  readonly document: SearchDocument;
}

/** A stored feed entry, as read. */
interface StoredFeedEntry {
  readonly readerId: string;
  readonly sk: string;
  readonly articleId: unknown;
  readonly authorId: unknown;
  readonly createdAt: unknown;
}

const prefix = {
  user: userKey(''),
  email: emailKey(''),
  username: usernameKey(''),
  article: articleKey(''),
  slug: slugKey(''),
  following: partitionOf.following(''),
  followers: partitionOf.followers(''),
  favorites: partitionOf.favorites(''),
  favorited: partitionOf.favorited(''),
  comments: partitionOf.comments(''),
  feed: partitionOf.feed(''),
};

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const pair = (first: string, second: string): string => `${first}\n${second}`;
const unpair = (key: string): [string, string] => {
  const [first = '', second = ''] = key.split('\n');
  return [first, second];
};

/** Every item of a table, one consistent page at a time. */
async function* scan(db: DynamoDBDocumentClient, table: string): AsyncGenerator<Item> {
  for await (const page of paginateScan({ client: db }, { TableName: table, ConsistentRead: true })) {
    yield* page.Items ?? [];
  }
}

/** The feed entry `article` owes `readerId`: Relations `feed#<reader>` / `<createdAt>#<articleId>`. */
const expectedFeedEntry = (readerId: string, article: ArticleFacts): FeedRecord => ({
  ...feedKey(readerId, article.createdAt, article.id),
  articleId: article.id,
  authorId: article.authorId,
  createdAt: article.createdAt,
});

/** Distinct tags, most used first, ties alphabetical, at most MAX_TAGS: what /api/tags should list. */
function expectedTags(counts: ReadonlyMap<string, number>): string[] {
  return [...counts]
    .sort(([a, countA], [b, countB]) => countB - countA || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, MAX_TAGS)
    .map(([tag]) => tag);
}

/** The fields in which an indexed document differs from the expected one; empty when equal. */
function documentDifferences(expected: SearchDocument, indexed: SearchDocument): string[] {
  const differences: string[] = [];
  const indexedTags = [...new Set(indexed.tagList)].sort();
  if (JSON.stringify(indexedTags) !== JSON.stringify(expected.tagList)) {
    differences.push(`tags [${indexed.tagList.join(', ')}] should be [${expected.tagList.join(', ')}]`);
  }
  for (const field of ['createdAt', 'updatedAt'] as const) {
    if (indexed[field] !== expected[field]) {
      differences.push(`${field} ${indexed[field]} should be ${expected[field]}`);
    }
  }
  return differences;
}

const listPreview = (values: readonly string[]): string =>
  `[${values.slice(0, 5).join(', ')}${values.length > 5 ? ', …' : ''}] (${values.length})`;

/** Collects what the checks found and counted. */
class Report {
  readonly findings: Finding[] = [];
  readonly checked: VerifyCounts = {
    users: 0,
    emailMarkers: 0,
    usernameMarkers: 0,
    articles: 0,
    slugMarkers: 0,
    follows: 0,
    followerRows: 0,
    favorites: 0,
    favoritedRows: 0,
    comments: 0,
    feedEntries: 0,
    expectedFeedEntries: 0,
    searchDocuments: 0,
    tags: 0,
    otherItems: 0,
  };

  derived(kind: DerivedFindingKind, keys: FindingKey[], message: string, repair?: Repair): void {
    this.findings.push({ kind, category: 'derived', keys, message, ...(repair ? { repair } : {}) });
  }

  source(kind: SourceFindingKind, keys: FindingKey[], message: string): void {
    this.findings.push({ kind, category: 'source', keys, message });
  }
}

const relation = ({ pk, sk }: { pk: string; sk: string }): FindingKey => ({ table: 'Relations', pk, sk });
const deleteRelation = ({ pk, sk }: { pk: string; sk: string }): Repair => ({
  action: 'delete-item',
  table: 'Relations',
  key: { pk, sk },
});

/** Users: every user has both markers, every marker points at the user whose value it is. */
async function checkUsers(
  items: AsyncIterable<Item>,
  report: Report,
): Promise<Map<string, number | undefined>> {
  const users = new Map<string, { email: string; username: string }>();
  const favoritesMade = new Map<string, number | undefined>();
  const markers = new Map<string, string>();
  for await (const item of items) {
    const pk = text(item.pk);
    if (pk.startsWith(prefix.user)) {
      report.checked.users++;
      users.set(text(item.id), { email: text(item.email), username: text(item.username) });
      favoritesMade.set(
        text(item.id),
        typeof item.favoritesMade === 'number' ? item.favoritesMade : undefined,
      );
    } else if (pk.startsWith(prefix.email) || pk.startsWith(prefix.username)) {
      report.checked[pk.startsWith(prefix.email) ? 'emailMarkers' : 'usernameMarkers']++;
      markers.set(pk, text(item.userId));
    } else report.checked.otherItems++;
  }
  for (const [userId, user] of users) {
    for (const markerPk of [emailKey(user.email), usernameKey(user.username)]) {
      const pointsAt = markers.get(markerPk);
      if (pointsAt === userId) continue;
      report.source(
        'user-marker-missing',
        [
          { table: 'Users', pk: userKey(userId) },
          { table: 'Users', pk: markerPk },
        ],
        pointsAt === undefined
          ? `user ${userId} has no marker ${markerPk}`
          : `user ${userId}: marker ${markerPk} points at user ${pointsAt}`,
      );
    }
  }
  for (const [markerPk, userId] of markers) {
    const user = users.get(userId);
    const isEmail = markerPk.startsWith(prefix.email);
    if (user && markerPk === (isEmail ? emailKey(user.email) : usernameKey(user.username))) continue;
    report.source(
      'user-marker-dangling',
      [
        { table: 'Users', pk: markerPk },
        { table: 'Users', pk: userKey(userId) },
      ],
      user
        ? `marker ${markerPk} points at user ${userId}, whose ${isEmail ? `email is ${user.email}` : `username is ${user.username}`}`
        : `marker ${markerPk} points at user ${userId}, which does not exist`,
    );
  }
  return favoritesMade;
}

/** Articles: every article has its slug marker and every marker points at its article; returns the articles. */
async function checkArticles(items: AsyncIterable<Item>, report: Report): Promise<Map<string, ArticleFacts>> {
  const articles = new Map<string, ArticleFacts>();
  const markers = new Map<string, string>();
  const incompleteMarkers = new Set<string>();
  for await (const item of items) {
    const pk = text(item.pk);
    if (pk.startsWith(prefix.article)) {
      report.checked.articles++;
      const record = item as unknown as ArticleRecord;
      articles.set(record.id, {
        id: record.id,
        slug: text(record.slug),
        authorId: text(record.authorId),
        createdAt: text(record.createdAt),
        favoritesCount: Number(record.favoritesCount ?? 0),
        commentSeq: Number(record.commentSeq ?? 0),
        document: toSearchDocument(record),
      });
    } else if (pk.startsWith(prefix.slug)) {
      report.checked.slugMarkers++;
      markers.set(pk, text(item.articleId));
      if (item.authorId === undefined || item.articleCreatedAt === undefined) incompleteMarkers.add(pk);
    } else report.checked.otherItems++;
  }
  for (const article of articles.values()) {
    const markerPk = slugKey(article.slug);
    const pointsAt = markers.get(markerPk);
    if (pointsAt === article.id && incompleteMarkers.has(markerPk)) {
      report.derived(
        'slug-marker-incomplete',
        [{ table: 'Articles', pk: markerPk }],
        `marker ${markerPk} lacks its article's authorId and articleCreatedAt`,
        {
          action: 'update-item',
          table: 'Articles',
          key: { pk: markerPk },
          set: { authorId: article.authorId, articleCreatedAt: article.createdAt },
          condition: 'articleId = :articleId',
          values: { ':articleId': article.id },
        },
      );
    }
    if (pointsAt === article.id) continue;
    report.source(
      'slug-marker-missing',
      [
        { table: 'Articles', pk: articleKey(article.id) },
        { table: 'Articles', pk: markerPk },
      ],
      pointsAt === undefined
        ? `article ${article.id} has no marker ${markerPk}`
        : `article ${article.id}: marker ${markerPk} points at article ${pointsAt}`,
    );
  }
  for (const [markerPk, articleId] of markers) {
    const article = articles.get(articleId);
    if (article && slugKey(article.slug) === markerPk) continue;
    report.source(
      'slug-marker-dangling',
      [
        { table: 'Articles', pk: markerPk },
        { table: 'Articles', pk: articleKey(articleId) },
      ],
      article
        ? `marker ${markerPk} points at article ${articleId}, whose slug is ${article.slug}`
        : `marker ${markerPk} points at article ${articleId}, which does not exist`,
    );
  }
  return articles;
}

/**
 * Relations: the mirrors of follows and favorites, favoritesCount, commentSeq and the clean-up of
 * deleted articles. Returns the follows (reader\nauthor → feedFrom) and the stored feed entries,
 * which are checked once every follow is known.
 */
async function checkRelations(
  items: AsyncIterable<Item>,
  articles: ReadonlyMap<string, ArticleFacts>,
  favoritesMade: ReadonlyMap<string, number | undefined>,
  report: Report,
): Promise<{ follows: Map<string, string>; feed: StoredFeedEntry[] }> {
  const follows = new Map<string, string>();
  const followerRows = new Set<string>(); // follower\nfollowee
  const favorites = new Set<string>(); // article\nuser, of existing articles
  const favoritedRows = new Set<string>(); // article\nuser, of existing articles
  const highestCommentId = new Map<string, number>();
  const feed: StoredFeedEntry[] = [];
  for await (const item of items) {
    const pk = text(item.pk);
    const sk = text(item.sk);
    if (pk.startsWith(prefix.following)) {
      report.checked.follows++;
      const feedFrom = typeof item.feedFrom === 'string' ? item.feedFrom : FEED_FROM_EVERY_ARTICLE;
      follows.set(pair(pk.slice(prefix.following.length), sk), feedFrom);
    } else if (pk.startsWith(prefix.followers)) {
      report.checked.followerRows++;
      followerRows.add(pair(sk, pk.slice(prefix.followers.length)));
    } else if (pk.startsWith(prefix.favorites)) {
      report.checked.favorites++;
      const articleId = pk.slice(prefix.favorites.length);
      if (articles.has(articleId)) favorites.add(pair(articleId, sk));
      else {
        const key = favoriteKey(articleId, sk);
        report.derived(
          'orphan-favorite',
          [relation(key)],
          `favorite of deleted article ${articleId} by ${sk}`,
          deleteRelation(key),
        );
      }
    } else if (pk.startsWith(prefix.favorited)) {
      report.checked.favoritedRows++;
      const userId = pk.slice(prefix.favorited.length);
      const article = articles.get(sk);
      if (article) {
        favoritedRows.add(pair(sk, userId));
        const articleOrder = favoriteOrder(article.createdAt, article.id);
        if (
          item.favoritedBy !== userId ||
          item.articleOrder !== articleOrder ||
          item.authorId !== article.authorId
        ) {
          report.derived(
            'favorited-row-unindexed',
            [relation({ pk, sk })],
            `favorited row of ${userId} for article ${sk} lacks its byFavoritingUser keys or author`,
            {
              action: 'update-item',
              table: 'Relations',
              key: { pk, sk },
              set: { favoritedBy: userId, articleOrder, authorId: article.authorId },
              condition: 'attribute_exists(pk)',
              values: {},
            },
          );
        }
      } else {
        const key = favoritedKey(userId, sk);
        report.derived(
          'orphan-favorited',
          [relation(key)],
          `favorited row of ${userId} for deleted article ${sk}`,
          deleteRelation(key),
        );
      }
    } else if (pk.startsWith(prefix.comments)) {
      report.checked.comments++;
      const articleId = pk.slice(prefix.comments.length);
      const commentId = Number(item.id ?? sk);
      if (articles.has(articleId)) {
        highestCommentId.set(articleId, Math.max(highestCommentId.get(articleId) ?? 0, commentId));
      } else {
        report.derived(
          'orphan-comment',
          [relation({ pk, sk })],
          `comment ${commentId} of deleted article ${articleId}`,
          deleteRelation({ pk, sk }),
        );
      }
    } else if (pk.startsWith(prefix.feed)) {
      report.checked.feedEntries++;
      const { articleId, authorId, createdAt } = item;
      feed.push({ readerId: pk.slice(prefix.feed.length), sk, articleId, authorId, createdAt });
    } else report.checked.otherItems++;
  }

  const favoriteCounts = new Map<string, number>();
  for (const key of favorites) {
    const [articleId, userId] = unpair(key);
    favoriteCounts.set(articleId, (favoriteCounts.get(articleId) ?? 0) + 1);
    if (favoritedRows.has(key)) continue;
    report.source(
      'missing-favorited-mirror',
      [relation(favoriteKey(articleId, userId)), relation(favoritedKey(userId, articleId))],
      `favorite of article ${articleId} by ${userId} has no favorited# mirror`,
    );
  }
  const favoritedCounts = new Map<string, number>();
  for (const key of favoritedRows) {
    const [articleId, userId] = unpair(key);
    favoritedCounts.set(userId, (favoritedCounts.get(userId) ?? 0) + 1);
    if (favorites.has(key)) continue;
    report.source(
      'missing-favorites-mirror',
      [relation(favoritedKey(userId, articleId)), relation(favoriteKey(articleId, userId))],
      `favorited row of ${userId} for article ${articleId} has no favorites# mirror`,
    );
  }
  for (const [userId, stored] of favoritesMade) {
    const count = favoritedCounts.get(userId) ?? 0;
    if ((stored ?? 0) === count) continue;
    // Rows of deleted articles are not counted: the clean-up that deletes them, or the repair of
    // the orphans (which deletes the favorites# row the clean-up is conditional on), uncounts them.
    report.derived(
      'favorites-made-mismatch',
      [{ table: 'Users', pk: userKey(userId) }],
      `user ${userId} has favoritesMade ${stored ?? 'absent'} but ${count} favorited# rows`,
      {
        action: 'update-item',
        table: 'Users',
        key: { pk: userKey(userId) },
        set: { favoritesMade: count },
        // Unchanged since the scan: a favorite made meanwhile is counted by its own transaction.
        condition: stored === undefined ? 'attribute_not_exists(favoritesMade)' : 'favoritesMade = :stored',
        values: stored === undefined ? {} : { ':stored': stored },
      },
    );
  }
  for (const key of follows.keys()) {
    if (followerRows.has(key)) continue;
    const [followerId, followeeId] = unpair(key);
    report.source(
      'missing-followers-mirror',
      [relation(followingKey(followerId, followeeId)), relation(followersKey(followeeId, followerId))],
      `${followerId} follows ${followeeId} without the followers# mirror`,
    );
  }
  for (const key of followerRows) {
    if (follows.has(key)) continue;
    const [followerId, followeeId] = unpair(key);
    report.source(
      'missing-following-mirror',
      [relation(followersKey(followeeId, followerId)), relation(followingKey(followerId, followeeId))],
      `followers# row says ${followerId} follows ${followeeId}, but there is no following# item`,
    );
  }
  for (const article of articles.values()) {
    const count = favoriteCounts.get(article.id) ?? 0;
    if (article.favoritesCount !== count) {
      report.source(
        'favorites-count-mismatch',
        [{ table: 'Articles', pk: articleKey(article.id) }],
        `article ${article.id} has favoritesCount ${article.favoritesCount} but ${count} favorites# rows`,
      );
    }
    const highest = highestCommentId.get(article.id) ?? 0;
    if (article.commentSeq < highest) {
      report.source(
        'comment-seq-behind',
        [{ table: 'Articles', pk: articleKey(article.id) }, relation(commentKey(article.id, highest))],
        `article ${article.id} has commentSeq ${article.commentSeq} but a comment ${highest}`,
      );
    }
  }
  return { follows, feed };
}

/**
 * Feeds: an entry exists iff its article exists, the reader follows the author, and the article is
 * no older than the follow's feedFrom.
 */
function checkFeeds(
  articles: ReadonlyMap<string, ArticleFacts>,
  follows: ReadonlyMap<string, string>,
  feed: readonly StoredFeedEntry[],
  report: Report,
): void {
  const present = new Set<string>(); // reader\narticle, at the right key
  for (const entry of feed) {
    const key = { pk: partitionOf.feed(entry.readerId), sk: entry.sk };
    const articleId = entry.sk.slice(entry.sk.indexOf('#') + 1);
    const article = articles.get(articleId);
    if (!article) {
      report.derived(
        'feed-entry-of-deleted-article',
        [relation(key)],
        `feed of ${entry.readerId} lists deleted article ${articleId}`,
        deleteRelation(key),
      );
      continue;
    }
    const expected = expectedFeedEntry(entry.readerId, article);
    if (entry.sk !== expected.sk) {
      report.derived(
        'feed-entry-wrong-key',
        [relation(key)],
        `feed of ${entry.readerId} lists article ${articleId} under ${entry.sk} instead of ${expected.sk}`,
        deleteRelation(key),
      );
      continue;
    }
    const feedFrom = follows.get(pair(entry.readerId, article.authorId));
    if (feedFrom === undefined) {
      report.derived(
        'feed-entry-not-followed',
        [relation(key)],
        `feed of ${entry.readerId} lists article ${articleId} of ${article.authorId}, whom they do not follow`,
        deleteRelation(key),
      );
      continue;
    }
    if (article.createdAt < feedFrom) {
      report.derived(
        'feed-entry-before-feed-from',
        [relation(key)],
        `feed of ${entry.readerId} lists article ${articleId} of ${article.createdAt}, before the follow's feedFrom ${feedFrom}`,
        deleteRelation(key),
      );
      continue;
    }
    present.add(pair(entry.readerId, articleId));
    const wrong = (['articleId', 'authorId', 'createdAt'] as const).filter(
      (field) => entry[field] !== expected[field],
    );
    if (wrong.length) {
      report.derived(
        'feed-entry-stale',
        [relation(key)],
        `feed entry of ${entry.readerId} for article ${articleId} has a wrong ${wrong.join(', ')}`,
        { action: 'put-item', table: 'Relations', item: expected },
      );
    }
  }

  const articlesByAuthor = new Map<string, ArticleFacts[]>();
  for (const article of articles.values()) {
    const ofAuthor = articlesByAuthor.get(article.authorId);
    if (ofAuthor) ofAuthor.push(article);
    else articlesByAuthor.set(article.authorId, [article]);
  }
  for (const [key, feedFrom] of follows) {
    const [readerId, authorId] = unpair(key);
    for (const article of articlesByAuthor.get(authorId) ?? []) {
      if (article.createdAt < feedFrom) continue;
      report.checked.expectedFeedEntries++;
      if (present.has(pair(readerId, article.id))) continue;
      const expected = expectedFeedEntry(readerId, article);
      report.derived(
        'feed-entry-missing',
        [relation(expected)],
        `feed of ${readerId} lacks article ${article.id} of ${authorId}`,
        { action: 'put-item', table: 'Relations', item: expected },
      );
    }
  }
}

/**
 * The search index: exactly the articles, each as toSearchDocument(article); then tags and totals,
 * as the list and tag routes read them.
 */
async function checkSearch(
  search: VerifiableSearch,
  articles: ReadonlyMap<string, ArticleFacts>,
  report: Report,
): Promise<void> {
  const indexed = new Set<string>();
  for await (const page of search.documents()) {
    for (const document of page) {
      if (indexed.has(document.id)) continue;
      indexed.add(document.id);
      report.checked.searchDocuments++;
      const article = articles.get(document.id);
      if (!article) {
        report.derived(
          'search-document-ghost',
          [{ searchDocument: document.id }],
          `search index lists article ${document.id}, which does not exist`,
          { action: 'remove-document', articleId: document.id },
        );
        continue;
      }
      const differences = documentDifferences(article.document, document);
      if (differences.length) {
        report.derived(
          'search-document-stale',
          [{ searchDocument: document.id }],
          `search document ${document.id}: ${differences.join('; ')}`,
          { action: 'upsert-document', document: article.document },
        );
      }
    }
  }
  const tagCounts = new Map<string, number>();
  for (const article of articles.values()) {
    for (const tag of article.document.tagList) tagCounts.set(tag, (tagCounts.get(tag) ?? 0) + 1);
    if (indexed.has(article.id)) continue;
    report.derived(
      'search-document-missing',
      [{ searchDocument: article.id }],
      `search index lacks article ${article.id}`,
      { action: 'upsert-document', document: article.document },
    );
  }

  const tags = expectedTags(tagCounts);
  report.checked.tags = tags.length;
  const listedTags = await search.tags();
  if (JSON.stringify(listedTags) !== JSON.stringify(tags)) {
    const at = tags.findIndex((tag, index) => listedTags[index] !== tag);
    const position = at === -1 ? tags.length : at;
    report.derived(
      'search-tags-mismatch',
      [],
      `tags should be ${listPreview(tags)} but are ${listPreview(listedTags)}; first difference at #${position + 1}: ${tags[position] ?? 'nothing'} expected, ${listedTags[position] ?? 'nothing'} listed`,
    );
  }
  const { total } = await search.list({ limit: 1, offset: 0 });
  if (total !== articles.size) {
    report.derived(
      'search-total-mismatch',
      [],
      `search index counts ${total} articles, there are ${articles.size}`,
    );
  }
  await inParallel([...new Set([...tags, ...listedTags])], async (tag) => {
    const listed = (await search.list({ tag, limit: 1, offset: 0 })).total;
    const expected = tagCounts.get(tag) ?? 0;
    if (listed !== expected) {
      report.derived(
        'search-tag-total-mismatch',
        [{ searchTag: tag }],
        `tag ${tag}: ${listed} listed, ${expected} expected`,
      );
    }
  });
}

export async function verifyData({ db, tableNames, search }: VerifyOptions): Promise<VerifyReport> {
  const report = new Report();
  const favoritesMade = await checkUsers(scan(db, tableNames.Users), report);
  const articles = await checkArticles(scan(db, tableNames.Articles), report);
  const { follows, feed } = await checkRelations(
    scan(db, tableNames.Relations),
    articles,
    favoritesMade,
    report,
  );
  checkFeeds(articles, follows, feed, report);
  await checkSearch(search, articles, report);
  return { checked: report.checked, findings: report.findings };
}
