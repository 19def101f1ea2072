/**
 * `npm run bench:capacity`: what each list read costs in DynamoDB read capacity as the data grows.
 * For each size (100 and 10,000 entries; `--quick`: 100 and 1,000) one dataset: an author with that
 * many articles (all with one tag), a reader who favorited all of them and holds them all in the
 * feed, and the first article with that many comments, written straight into the tables (as the
 * workflows write them) and indexed by the event workflows. Each read is requested once per offset,
 * counting the read units DynamoDB reports (ReturnConsumedCapacity) and the items it read, request
 * path only. Deterministic: counts, not times. Writes docs/read-capacity.md and .json.
 */
import '../../local/polyfills.ts';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  articleKey,
  commentKey,
  favoritedKey,
  favoriteKey,
  favoriteOrder,
  feedKey,
  slugKey,
  userKey,
} from '../../lambdas/shared/keys.ts';
import type {
  ArticleRecord,
  CommentRecord,
  FavoriteRecord,
  FeedRecord,
} from '../../lambdas/shared/records.ts';
import { localAwsConfig } from '../../local/dynamodb-local.ts';
import { type Runtime, startRuntime } from '../../local/runtime.ts';
import { fromRoot } from '../../schemas/paths.ts';
import { apiOf, register as registerThroughApi } from './counted.ts';
import { Counters } from './counters.ts';
import { writeAll } from './table-writes.ts';

const LIMIT = 20;

export interface Dataset {
  readonly size: number;
  readonly author: { readonly username: string; readonly id: string };
  readonly reader: { readonly username: string; readonly token: string };
  readonly tag: string;
  readonly firstSlug: string;
}

export interface CapacityRow {
  readonly read: string;
  readonly size: number;
  readonly offset: number;
  readonly status: number;
  readonly articles: number;
  readonly articlesCount?: number;
  readonly readUnits: number;
  readonly itemsRead: number;
  readonly dynamoDbCalls: number;
}

const started = performance.now();
const progress = (step: string) =>
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${step}\n`);

async function register(runtime: Runtime, prefix: string) {
  const { username, token } = await registerThroughApi(apiOf(runtime), prefix);
  return { username, token, id: subjectOf(token) };
}

/** The user id behind a token: the `sub` of the JWT the API issued. */
const subjectOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub: string }).sub;

export async function seedDataset(
  runtime: Runtime,
  db: DynamoDBDocumentClient,
  size: number,
): Promise<Dataset> {
  const author = await register(runtime, 'capauthor');
  const reader = await register(runtime, 'capreader');
  const authorId = author.id;
  const readerId = reader.id;
  const tag = `cap${size}${randomUUID().slice(0, 4)}`;
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  const articles: ArticleRecord[] = Array.from({ length: size }, (_, index) => {
    const id = randomUUID();
    const createdAt = new Date(base + index * 1000).toISOString();
    return {
      pk: articleKey(id),
      id,
      slug: `cap-${size}-${index}-${id.slice(0, 6)}`,
      title: `Capacity ${size} ${index}`,
      description: 'Seeded for the read-capacity bench',
      body: 'A body of a realistic length. '.repeat(20),
      tagList: [tag],
      authorId,
      createdAt,
      updatedAt: createdAt,
      favoritesCount: 1,
      commentSeq: 0,
    };
  });
  const [first] = articles;
  if (!first) throw new Error('empty dataset');
  await writeAll(db, runtime.tableNames.Articles, [
    ...articles.map((article) => ({ ...article, commentSeq: article === first ? size : 0 })),
    ...articles.map((article) => ({ pk: slugKey(article.slug), articleId: article.id })),
  ]);
  const favorites: FavoriteRecord[] = articles.flatMap((article) => [
    { ...favoriteKey(article.id, readerId), articleId: article.id, userId: readerId },
    {
      ...favoritedKey(readerId, article.id),
      articleId: article.id,
      userId: readerId,
      favoritedBy: readerId,
      articleOrder: favoriteOrder(article.createdAt, article.id),
      authorId: article.authorId,
    },
  ]);
  const feed: FeedRecord[] = articles.map((article) => ({
    ...feedKey(readerId, article.createdAt, article.id),
    articleId: article.id,
    authorId,
    createdAt: article.createdAt,
  }));
  const comments: CommentRecord[] = Array.from({ length: size }, (_, index) => ({
    ...commentKey(first.id, index + 1),
    id: index + 1,
    articleId: first.id,
    body: `Comment ${index + 1}`,
    authorId: readerId,
    createdAt: first.createdAt,
    updatedAt: first.createdAt,
  }));
  await writeAll(db, runtime.tableNames.Relations, [...favorites, ...feed, ...comments]);
  await db.send(
    new UpdateCommand({
      TableName: runtime.tableNames.Users,
      Key: { pk: userKey(readerId) },
      UpdateExpression: 'SET favoritesMade = :favorites',
      ExpressionAttributeValues: { ':favorites': size },
    }),
  );
  return {
    size,
    author: { username: author.username, id: authorId },
    reader,
    tag,
    firstSlug: first.slug,
  };
}

/** Every list read of every dataset, once per offset below the dataset's size. */
export async function measureReadCapacity(
  runtime: Runtime,
  datasets: readonly Dataset[],
  offsets: readonly number[],
): Promise<CapacityRow[]> {
  const counters = await Counters.install(runtime);
  const rows: CapacityRow[] = [];
  try {
    for (const dataset of datasets) {
      const { author, reader, tag, size } = dataset;
      const reads: [string, (offset: number) => string][] = [
        ['feed', (offset) => `/api/articles/feed?limit=${LIMIT}&offset=${offset}`],
        ['author', (offset) => `/api/articles?author=${author.username}&limit=${LIMIT}&offset=${offset}`],
        [
          'favorited',
          (offset) => `/api/articles?favorited=${reader.username}&limit=${LIMIT}&offset=${offset}`,
        ],
        [
          'author + tag',
          (offset) => `/api/articles?author=${author.username}&tag=${tag}&limit=${LIMIT}&offset=${offset}`,
        ],
        ['tag', (offset) => `/api/articles?tag=${tag}&limit=${LIMIT}&offset=${offset}`],
        ['global list', (offset) => `/api/articles?limit=${LIMIT}&offset=${offset}`],
      ];
      for (const [read, path] of reads) {
        for (const offset of offsets) {
          if (offset >= size) continue;
          rows.push(await count(runtime, counters, read, size, offset, path(offset), reader.token));
        }
      }
      rows.push(
        await count(
          runtime,
          counters,
          'comments (all, as the spec says)',
          size,
          0,
          `/api/articles/${dataset.firstSlug}/comments`,
          reader.token,
        ),
      );
      rows.push(
        await count(
          runtime,
          counters,
          `comments (limit=${LIMIT})`,
          size,
          0,
          `/api/articles/${dataset.firstSlug}/comments?limit=${LIMIT}`,
          reader.token,
        ),
      );
    }
  } finally {
    counters.uninstall();
  }
  return rows;
}

async function count(
  runtime: Runtime,
  counters: Counters,
  read: string,
  size: number,
  offset: number,
  path: string,
  token: string,
): Promise<CapacityRow> {
  counters.take();
  const response = await fetch(`${runtime.url}${path}`, { headers: { Authorization: `Token ${token}` } });
  const body = (await response.json()) as {
    articles?: unknown[];
    articlesCount?: number;
    comments?: unknown[];
  };
  const { request } = counters.take();
  return {
    read,
    size,
    offset,
    status: response.status,
    articles: (body.articles ?? body.comments ?? []).length,
    ...(body.articlesCount === undefined ? {} : { articlesCount: body.articlesCount }),
    readUnits: request.readUnits,
    itemsRead: request.itemsRead,
    dynamoDbCalls: request.dynamoDbCalls,
  };
}

export function renderReadCapacity(
  rows: readonly CapacityRow[],
  date: string,
  offsets: readonly number[],
): string {
  const sizes = [...new Set(rows.map((row) => row.size))];
  const reads = [...new Set(rows.map((row) => row.read))];
  const cell = (read: string, size: number, offset: number) => {
    const row = rows.find((r) => r.read === read && r.size === size && r.offset === offset);
    if (!row) return '—';
    const status = row.status === 200 ? '' : ` (HTTP ${row.status})`;
    return `${row.readUnits.toFixed(1)} RCU, ${row.itemsRead} items${status}`;
  };
  const columns = sizes.flatMap((size) =>
    offsets.filter((offset) => offset < size).map((offset) => ({ size, offset })),
  );
  return `# Read capacity by data size

<!-- Generated by \`npm run bench:capacity\` (test/bench/read-capacity.ts): edit the harness, not this file. -->

Last run ${date}. One request per cell, page of ${LIMIT} (comments: the whole list, which the spec does
not page, and a page of ${LIMIT} with \`limit\`), signed in as the reader, request path only (the authorizer's reads included). Read units
as DynamoDB Local reports them (ReturnConsumedCapacity TOTAL; every read here is strongly
consistent); items are those GetItem/BatchGetItem found and Query evaluated. A read that cost the same
at every size and offset costs O(page). Raw figures: [read-capacity.json](read-capacity.json).

| read | ${columns.map(({ size, offset }) => `${size.toLocaleString('en-US')} entries, offset ${offset.toLocaleString('en-US')}`).join(' | ')} |
| --- | ${columns.map(() => '---').join(' | ')} |
${reads.map((read) => `| ${read} | ${columns.map(({ size, offset }) => cell(read, size, offset)).join(' | ')} |`).join('\n')}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = process.argv.includes('--quick') ? [100, 1_000] : [100, 10_000];
  const offsets = [0, 5_000];
  // The handlers' business metrics (EMF lines on stdout) say nothing here.
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  progress('starting the runtime');
  const runtime = await startRuntime({
    port: 0,
    keyDir: join(mkdtempSync(join(tmpdir(), 'conduit-capacity-')), 'keys'),
    log: () => undefined,
  });
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...localAwsConfig, endpoint: runtime.dynamoDbEndpoint }),
  );
  try {
    const datasets: Dataset[] = [];
    for (const size of sizes) {
      progress(`seeding ${size} articles, favorites, feed entries and comments`);
      datasets.push(await seedDataset(runtime, db, size));
    }
    progress('waiting for the event workflows to index the articles');
    await runtime.events.settle();
    progress('counting the reads');
    const rows = await measureReadCapacity(runtime, datasets, offsets);
    const date = new Date().toISOString();
    writeFileSync(fromRoot('docs/read-capacity.json'), `${JSON.stringify({ date, rows }, null, 2)}\n`);
    writeFileSync(fromRoot('docs/read-capacity.md'), renderReadCapacity(rows, date, offsets));
    progress('done: docs/read-capacity.md');
  } finally {
    db.destroy();
    await runtime.stop();
  }
}
