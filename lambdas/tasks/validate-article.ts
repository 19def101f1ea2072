/**
 * Workflow task of create-article: validates the body and builds the article record (DynamoDB
 * JSON) with the slug of this attempt. Pure computation; validation errors come back as a value.
 */
import { randomUUID } from 'node:crypto';
import { marshall } from '@aws-sdk/util-dynamodb';
import { articleChanges } from '../../schemas/events.ts';
import { createArticleRequest, validationErrors } from '../../schemas/requests.ts';
import { articleKey, slugKey } from '../shared/keys.ts';
import { workflowTask } from '../shared/observability.ts';
import type { ArticleRecord } from '../shared/records.ts';
import { slugForAttempt } from '../shared/slugs.ts';

export interface NewArticleInput {
  readonly body: unknown;
  readonly authorId: string;
  /** 0 for the title's own slug; each later attempt (after a slug collision) adds a random suffix. */
  readonly slugAttempt: number;
}

export type NewArticleResult =
  | { readonly errors: Record<string, string[]> }
  | {
      readonly articleId: string;
      readonly slugKey: string;
      readonly item: Record<string, unknown>;
    };

export const handler = workflowTask(
  async ({ body, authorId, slugAttempt }: NewArticleInput): Promise<NewArticleResult> => {
    const parsed = createArticleRequest.safeParse(body ?? {});
    if (!parsed.success) return { errors: validationErrors(parsed.error) };
    const { title, description, body: text, tagList = [] } = parsed.data.article;
    const id = randomUUID();
    const now = new Date().toISOString();
    const record: ArticleRecord = {
      pk: articleKey(id),
      id,
      slug: slugForAttempt(title, slugAttempt),
      title,
      description,
      body: text,
      tagList,
      authorId,
      createdAt: now,
      updatedAt: now,
      favoritesCount: 0,
      commentSeq: 0,
      lastChange: articleChanges.content,
    };
    return { articleId: id, slugKey: slugKey(record.slug), item: marshall(record) };
  },
);
