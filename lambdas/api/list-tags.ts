/** GET /api/tags: distinct tags from the search index, most used first. */
import { createArticleReads } from '../shared/article-reads.ts';
import { documentClient } from '../shared/clients.ts';
import { apiHandler } from '../shared/http.ts';

const reads = createArticleReads(documentClient);

export const handler = apiHandler(async () => ({ statusCode: 200, body: { tags: await reads.tags() } }));
