/** GET /api/articles/{slug} (optional auth) */
import { createArticleReads } from '../shared/article-reads.ts';
import { documentClient } from '../shared/clients.ts';
import { apiHandler } from '../shared/http.ts';

const reads = createArticleReads(documentClient);

export const handler = apiHandler(async ({ path, userId }) => ({
  statusCode: 200,
  body: { article: await reads.bySlug(path.slug ?? '', userId) },
}));
