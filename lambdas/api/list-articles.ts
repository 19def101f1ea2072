/** GET /api/articles (optional auth): full-text q (beyond the spec); filters tag, author, favorited; limit, offset. */
import { listArticlesQuery } from '../../schemas/requests.ts';
import { createArticleReads } from '../shared/article-reads.ts';
import { documentClient } from '../shared/clients.ts';
import { apiHandler, parseQuery } from '../shared/http.ts';

const reads = createArticleReads(documentClient);

export const handler = apiHandler(async ({ query, userId }) => ({
  statusCode: 200,
  body: await reads.list(parseQuery(query, listArticlesQuery), userId),
}));
