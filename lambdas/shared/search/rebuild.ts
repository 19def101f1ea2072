/** Rebuilds the search index from the Articles table (local start, `npm run reindex`). */
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { articleKey } from '../keys.ts';
import type { ArticleRecord } from '../records.ts';
import { type ArticleSearch, type SearchDocument, toSearchDocument } from './article-search.ts';

const ARTICLE_KEY_PREFIX = articleKey('');

/** Every article record of the table, a scan page at a time. */
async function* articleDocuments(
  db: DynamoDBDocumentClient,
  table: string,
): AsyncGenerator<SearchDocument[]> {
  const pages = paginateScan(
    { client: db },
    {
      TableName: table,
      FilterExpression: 'begins_with(pk, :prefix)',
      ExpressionAttributeValues: { ':prefix': ARTICLE_KEY_PREFIX },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) yield ((page.Items ?? []) as ArticleRecord[]).map(toSearchDocument);
}

/** Replaces the index's contents with the articles of the table; returns how many were indexed. */
export const rebuildSearchIndex = (
  search: ArticleSearch,
  db: DynamoDBDocumentClient,
  articlesTable: string,
) => search.rebuild(articleDocuments(db, articlesTable));
