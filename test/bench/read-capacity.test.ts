/**
 * `npm run bench:capacity`'s harness on small datasets, so it cannot rot, and the property it
 * measures: the lists served by the index and a page of comments cost the same read units at any
 * size and offset, and the feed reads at most FEED_LENGTH entries however many the reader holds.
 */

import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { FEED_LENGTH } from '../../schemas/requests.ts';
import { startTestRuntime, type TestRuntime, tableClient } from '../support/runtime.ts';
import { type CapacityRow, measureReadCapacity, renderReadCapacity, seedDataset } from './read-capacity.ts';

const SMALL = 30;
const LARGE = FEED_LENGTH + 40;
const OFFSETS = [0, FEED_LENGTH + 10];

let runtime: TestRuntime | undefined;
let db: DynamoDBDocumentClient | undefined;
let rows: CapacityRow[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime();
  db = tableClient(runtime);
  const datasets = [await seedDataset(runtime, db, SMALL), await seedDataset(runtime, db, LARGE)];
  await runtime.events.settle();
  rows = await measureReadCapacity(runtime, datasets, OFFSETS);
}, 180_000);

afterAll(async () => {
  db?.destroy();
  await runtime?.stop();
});

const cells = (read: string) => rows.filter((row) => row.read === read);

it('answers every read, and renders the table', () => {
  expect(rows.filter((row) => row.status !== 200)).toEqual([]);
  expect(renderReadCapacity(rows, 'now', OFFSETS)).toContain(`| author | `);
});

it.each(['author', 'author + tag', 'tag', 'comments (limit=20)'])(
  '%s costs the same read units at every size and offset',
  (read) => {
    const costs = cells(read).map((row) => ({ page: row.articles, units: row.readUnits }));
    expect(costs.length).toBeGreaterThanOrEqual(2);
    expect(costs).toEqual(costs.map(() => ({ page: 20, units: costs[0]?.units })));
  },
);

it('favorited costs the same at the first page whatever the size: a page of its index, and a counter', () => {
  const first = cells('favorited').filter((row) => row.offset === 0);
  expect(first.map((row) => ({ size: row.size, page: row.articles, count: row.articlesCount }))).toEqual([
    { size: SMALL, page: 20, count: SMALL },
    { size: LARGE, page: 20, count: LARGE },
  ]);
  expect(first[1]?.readUnits).toBe(first[0]?.readUnits);
});

it(`reads at most the newest ${FEED_LENGTH} feed entries, whatever the reader holds`, () => {
  const large = cells('feed').filter((row) => row.size === LARGE);
  expect(
    large.map((row) => ({ offset: row.offset, count: row.articlesCount, articles: row.articles })),
  ).toEqual([
    { offset: 0, count: FEED_LENGTH, articles: 20 },
    { offset: OFFSETS[1], count: FEED_LENGTH, articles: 0 },
  ]);
  // The window's entries, plus the page's articles, authors and flags: never the whole partition.
  for (const row of large) expect(row.itemsRead).toBeLessThan(FEED_LENGTH + 100);
});
