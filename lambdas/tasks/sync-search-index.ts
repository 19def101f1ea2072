/**
 * Workflow task of the article event workflow: applies one article change to the search index.
 * The input is validated because a malformed one is a bug in the workflow, which should fail loudly
 * (the task throws) rather than index garbage.
 */
import { z } from 'zod';
import { workflowTask } from '../shared/observability.ts';
import type { ArticleRecord } from '../shared/records.ts';
import { toSearchDocument } from '../shared/search/article-search.ts';
import { articleSearch } from '../shared/search/configured.ts';

const syncRequest = z.discriminatedUnion('action', [
  z.object({
    action: z.literal('upsert'),
    /** The article record as stored (plain JSON, not DynamoDB JSON). */
    article: z.looseObject({
      id: z.string().min(1),
      title: z.string(),
      description: z.string(),
      body: z.string(),
      tagList: z.array(z.string()).optional(),
      createdAt: z.iso.datetime(),
      updatedAt: z.iso.datetime(),
    }),
  }),
  z.object({ action: z.literal('remove'), articleId: z.string().min(1) }),
]);

export type SyncSearchIndexInput =
  | { readonly action: 'upsert'; readonly article: ArticleRecord }
  | { readonly action: 'remove'; readonly articleId: string };

export const handler = workflowTask(
  async (input: SyncSearchIndexInput): Promise<{ action: string; articleId: string }> => {
    const request = syncRequest.parse(input);
    const search = await articleSearch();
    if (request.action === 'remove') {
      await search.remove(request.articleId);
      return { action: request.action, articleId: request.articleId };
    }
    await search.upsert(toSearchDocument(request.article as unknown as ArticleRecord));
    return { action: request.action, articleId: request.article.id };
  },
);
