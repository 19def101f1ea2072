/**
 * Test fixtures for the comment and follow tests: articles and user ids read straight from the
 * tables, so those tests do not depend on the article workflows. Items follow
 * lambdas/shared/records.ts exactly.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { articleKey, slugKey, usernameKey } from '../../lambdas/shared/keys.ts';
import type { ArticleRecord, MarkerRecord, SlugRecord } from '../../lambdas/shared/records.ts';
import type { Runtime } from '../../local/runtime.ts';
import { articleChanges } from '../../schemas/events.ts';
import { uniqueName } from './runtime.ts';

/** An article record as create-article stores it, with test defaults that `overrides` replace. */
export function articleRecord(authorId: string, overrides: Partial<ArticleRecord> = {}): ArticleRecord {
  const id = overrides.id ?? randomUUID();
  const slug = overrides.slug ?? uniqueName('seeded-');
  const createdAt = overrides.createdAt ?? new Date().toISOString();
  return {
    pk: articleKey(id),
    id,
    slug,
    title: slug,
    description: 'seeded',
    body: 'seeded',
    tagList: [],
    authorId,
    createdAt,
    updatedAt: createdAt,
    favoritesCount: 0,
    commentSeq: 0,
    lastChange: articleChanges.content,
    ...overrides,
  };
}

/** Writes an article and its slug marker, as create-article does. */
export async function seedArticle(
  db: DynamoDBDocumentClient,
  runtime: Runtime,
  authorId: string,
  overrides: Partial<ArticleRecord> = {},
): Promise<ArticleRecord> {
  const article = articleRecord(authorId, overrides);
  const marker: SlugRecord = {
    pk: slugKey(article.slug),
    articleId: article.id,
    authorId,
    articleCreatedAt: article.createdAt,
  };
  await db.send(
    new TransactWriteCommand({
      TransactItems: [
        { Put: { TableName: runtime.tableNames.Articles, Item: article } },
        { Put: { TableName: runtime.tableNames.Articles, Item: marker } },
      ],
    }),
  );
  return article;
}

/** The id of a registered user, from its username marker. */
export async function userIdOf(
  db: DynamoDBDocumentClient,
  runtime: Runtime,
  username: string,
): Promise<string> {
  const { Item } = await db.send(
    new GetCommand({ TableName: runtime.tableNames.Users, Key: { pk: usernameKey(username) } }),
  );
  if (!Item) throw new Error(`no user ${username}`);
  return (Item as MarkerRecord).userId;
}
