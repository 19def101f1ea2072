/**
 * relation-events and the fan-out jobs of follows: the real ASL files against DynamoDB Local,
 * driven through the stream poller (writes → stream → filter → workflow) and by hand-made Pipe
 * batches, checked against the feed entries stored.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  articleKey,
  commentKey,
  favoritedKey,
  favoriteKey,
  feedKey,
  followersKey,
  followingKey,
  partitionOf,
} from '../../lambdas/shared/keys.ts';
import { type ArticleRecord, FEED_FROM_EVERY_ARTICLE } from '../../lambdas/shared/records.ts';
import { parseFaultSpec } from '../../local/faults.ts';
import { eventTables, feedEntry, minute, recordStarts } from '../support/events.ts';
import { startTestRuntime, type TestRuntime } from '../support/runtime.ts';

let runtime: TestRuntime;
let tables: ReturnType<typeof eventTables>;
let starts: ReturnType<typeof recordStarts>;

beforeAll(async () => {
  runtime = await startTestRuntime();
  tables = eventTables(runtime);
  starts = recordStarts(runtime);
});
afterAll(async () => {
  tables.destroy();
  await runtime.stop();
});

async function articlesBy(authorId: string, count: number): Promise<ArticleRecord[]> {
  const articles: ArticleRecord[] = [];
  for (let n = 0; n < count; n++) articles.push(await tables.putArticle(authorId, minute(n)));
  return articles;
}

const feedOf = (readerId: string) => tables.partition(partitionOf.feed(readerId));

async function unfollow(followerId: string, followeeId: string): Promise<void> {
  for (const Key of [followingKey(followerId, followeeId), followersKey(followeeId, followerId)]) {
    await tables.db.send(new DeleteCommand({ TableName: runtime.tableNames.Relations, Key }));
  }
}

describe('a follow, delivered from the stream', () => {
  it("brings the author's articles since the follow's feedFrom (the 20 latest) into the feed, nothing else", async () => {
    const [author, reader] = [randomUUID(), randomUUID()];
    const articles = await articlesBy(author, 23);
    await runtime.events.settle();
    // follow-user sets feedFrom to the createdAt of the author's 20th newest article.
    await tables.follow(reader, author, articles[3]?.createdAt);
    await runtime.events.settle();
    const latest = articles.slice(-20);
    expect(await feedOf(reader)).toEqual(latest.map((article) => feedEntry(reader, article)));
    expect(await feedOf(author)).toEqual([]);
  });

  it('of an author with no articles leaves the feed empty', async () => {
    const reader = randomUUID();
    await tables.follow(reader, randomUUID());
    await runtime.events.settle();
    expect(await feedOf(reader)).toEqual([]);
  });
});

describe('an unfollow, delivered from the stream', () => {
  it("removes that author's articles from the feed and keeps everyone else's", async () => {
    const [gone, kept, reader] = [randomUUID(), randomUUID(), randomUUID()];
    const [goneArticles, keptArticles] = [await articlesBy(gone, 3), await articlesBy(kept, 2)];
    await tables.follow(reader, gone);
    await tables.follow(reader, kept);
    await runtime.events.settle();
    expect(await feedOf(reader)).toHaveLength(5);

    await unfollow(reader, gone);
    await runtime.events.settle();
    const expected = keptArticles.map((article) => feedEntry(reader, article));
    expect(await feedOf(reader)).toEqual(expected);
    expect(goneArticles).toHaveLength(3);
  });

  it('pages through a feed larger than one query page', async () => {
    const [author, other, reader] = [randomUUID(), randomUUID(), randomUUID()];
    // 700 entries of the author (more than the 500 a page reads) and a few of another author.
    const authorEntries = Array.from({ length: 700 }, (_, n) => ({
      ...feedKey(reader, `${minute(n % 60)}${n}`, randomUUID()),
      authorId: author,
    }));
    const otherArticles = await articlesBy(other, 3);
    await tables.putRelations([
      ...authorEntries,
      ...otherArticles.map((article) => feedEntry(reader, article)),
    ]);
    await tables.follow(reader, author);
    await runtime.events.settle();
    await unfollow(reader, author);
    await runtime.events.settle();
    expect(await feedOf(reader)).toEqual(otherArticles.map((article) => feedEntry(reader, article)));
  });
});

describe('a fan-out whose check cannot read DynamoDB for a while', () => {
  it('retries the check (DependencyUnavailable) and completes the feed, with no redelivery', async () => {
    const [author, reader] = [randomUUID(), randomUUID()];
    const articles = await articlesBy(author, 3);
    await runtime.events.settle();
    const clause = 'fan-out / Check the entries against their article and follow / Retry[1]';
    const handled = () => runtime.workflows.handledErrors().byClause.get(clause) ?? 0;
    const handledBefore = handled();
    // Every read of the check fails, past the SDK's own retries, until the workflow has retried it.
    runtime.faults.set(
      parseFaultSpec(
        'dynamodb/BatchGetItem#Check the entries against their article and follow:ThrottlingException',
      ),
    );
    try {
      await tables.follow(reader, author, FEED_FROM_EVERY_ARTICLE);
      const deadline = Date.now() + 20_000;
      while (handled() === handledBefore && Date.now() < deadline) await sleep(20);
    } finally {
      runtime.faults.clear();
    }
    await runtime.events.settle();
    expect(await feedOf(reader)).toEqual(articles.map((article) => feedEntry(reader, article)));
    expect(handled()).toBeGreaterThan(handledBefore);
    expect(runtime.workflows.handledErrors().recent.at(-1)).toMatchObject({
      workflow: 'fan-out',
      error: 'DependencyUnavailable',
    });
    expect(runtime.events.deadLetters()).toEqual([]);
    expect(runtime.logLines.filter((line) => /failed|retry/i.test(line))).toEqual([]);
  });
});

describe('the Relations stream filter', () => {
  it('starts relation-events for follows only: not for mirrors, favorites, comments or feed entries', async () => {
    const [user, articleId] = [randomUUID(), randomUUID()];
    const before = starts.started.length;
    await tables.putRelations([
      { ...followersKey(user, randomUUID()) },
      { ...favoriteKey(articleId, user), articleId, userId: user },
      { ...favoritedKey(user, articleId), articleId, userId: user },
      { ...commentKey(articleId, 1), id: 1, articleId, body: 'hi', authorId: user },
      { ...feedKey(user, minute(1), articleId), articleId, authorId: user, createdAt: minute(1) },
    ]);
    await runtime.events.settle();
    expect(starts.started.slice(before)).toEqual([]);

    await tables.follow(user, randomUUID());
    await runtime.events.settle();
    const workflows = starts.started.slice(before).map((start) => start.workflow);
    expect(workflows).toEqual(['relation-events', 'fan-out']);
  });
});

describe('relation-events, started with a hand-made Pipe batch', () => {
  const followRecord = (
    eventName: 'INSERT' | 'REMOVE',
    followerId: string,
    followeeId: string,
    sequence: number,
    feedFrom = FEED_FROM_EVERY_ARTICLE,
  ) => {
    const image = {
      pk: { S: partitionOf.following(followerId) },
      sk: { S: followeeId },
      followerId: { S: followerId },
      followeeId: { S: followeeId },
      createdAt: { S: minute(0) },
      feedFrom: { S: feedFrom },
    };
    return {
      eventID: randomUUID(),
      eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      dynamodb: {
        ApproximateCreationDateTime: 1704067200,
        Keys: { pk: image.pk, sk: image.sk },
        ...(eventName === 'INSERT' ? { NewImage: image } : { OldImage: image }),
        SequenceNumber: String(sequence).padStart(21, '0'),
        SizeBytes: 180,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${runtime.tableNames.Relations}/stream/2024-01-01T00:00:00.000`,
    };
  };

  /** Delivers a hand-made batch as a Pipe would and waits for the fan-out it starts. */
  async function deliver(...records: ReturnType<typeof followRecord>[]): Promise<void> {
    const result = await runtime.workflows.startSync('relation-events', records);
    expect(result.status).toBe('SUCCEEDED');
    await runtime.workflows.idle();
  }

  it('handles a follow and is idempotent when the same batch is delivered again', async () => {
    const [author, reader] = [randomUUID(), randomUUID()];
    const articles = await articlesBy(author, 2);
    await tables.follow(reader, author);
    await runtime.events.settle();
    for (let delivery = 0; delivery < 2; delivery++) {
      await deliver(followRecord('INSERT', reader, author, 1));
      expect(await feedOf(reader)).toEqual(articles.map((article) => feedEntry(reader, article)));
    }
  });

  it("takes the author's articles out again on an unfollow", async () => {
    const [author, reader] = [randomUUID(), randomUUID()];
    await articlesBy(author, 2);
    await tables.follow(reader, author);
    await runtime.events.settle();
    expect(await feedOf(reader)).toHaveLength(2);
    await unfollow(reader, author);
    await deliver(followRecord('REMOVE', reader, author, 2));
    expect(await feedOf(reader)).toEqual([]);
  });

  // Events out of order: what each job finds in the source tables decides, not the event itself.
  it('keeps the entries when an unfollow arrives after the reader followed again', async () => {
    const [author, reader] = [randomUUID(), randomUUID()];
    const articles = await articlesBy(author, 2);
    await tables.follow(reader, author);
    await runtime.events.settle();
    await deliver(followRecord('REMOVE', reader, author, 2));
    expect(await feedOf(reader)).toEqual(articles.map((article) => feedEntry(reader, article)));
  });

  it('removes what a follow brought when the follow had already ended', async () => {
    const [author, reader] = [randomUUID(), randomUUID()];
    await articlesBy(author, 2);
    await deliver(followRecord('INSERT', reader, author, 1));
    expect(await feedOf(reader)).toEqual([]);
  });

  it("an unfollow delivered after a new follow prunes what the new follow's feedFrom no longer covers", async () => {
    const [author, reader] = [randomUUID(), randomUUID()];
    const articles = await articlesBy(author, 3);
    await tables.putRelations(articles.map((article) => feedEntry(reader, article)));
    await tables.follow(reader, author, articles[1]?.createdAt);
    await runtime.events.settle();
    await deliver(followRecord('REMOVE', reader, author, 2));
    expect(await feedOf(reader)).toEqual(articles.slice(1).map((article) => feedEntry(reader, article)));
  });

  it('removes entries of articles that no longer exist, whatever the follow', async () => {
    const [author, reader] = [randomUUID(), randomUUID()];
    const [gone, kept] = await articlesBy(author, 2);
    await tables.follow(reader, author);
    await runtime.events.settle();
    if (!gone || !kept) throw new Error('two articles expected');
    // The entry of an article deleted while its own clean-up missed this reader.
    await tables.db.send(
      new DeleteCommand({ TableName: runtime.tableNames.Articles, Key: { pk: articleKey(gone.id) } }),
    );
    await tables.putRelations([feedEntry(reader, gone)]);
    await deliver(followRecord('REMOVE', reader, author, 3));
    expect(await feedOf(reader)).toEqual([feedEntry(reader, kept)]);
  });

  it('fails loudly on a record it has no plan for (a filter that lets too much through)', async () => {
    const record = followRecord('INSERT', randomUUID(), randomUUID(), 3);
    record.dynamodb.Keys.pk = { S: 'favorites#x' };
    const result = await runtime.workflows.startSync('relation-events', [record]);
    expect(result.status).toBe('FAILED');
    expect(result.cause).toContain('no plan for a stream record of item favorites#x');
  });
});
