/** GET /api/articles/feed (required auth): articles of the authors the caller follows, newest first. */
import { feedQuery } from '../../schemas/requests.ts';
import { createArticleReads } from '../shared/article-reads.ts';
import { documentClient } from '../shared/clients.ts';
import { AppError } from '../shared/errors.ts';
import { apiHandler, parseQuery } from '../shared/http.ts';

const reads = createArticleReads(documentClient);

export const handler = apiHandler(async ({ query, userId }) => {
  // The route requires auth, so the authorizer has vouched for the caller; guard anyway.
  if (!userId) throw new AppError('Unauthorized', { token: ['is missing'] });
  return { statusCode: 200, body: await reads.feed(parseQuery(query, feedQuery), userId) };
});
