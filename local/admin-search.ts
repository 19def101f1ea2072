/**
 * The search index of a running local server, through its admin routes (local/admin.ts): the
 * embedded index lives inside the server process, so a tool in another process (verify-data) reads
 * and repairs it over HTTP. Implements what verify-data needs of an ArticleSearch.
 */
import type {
  ArticlePage,
  ArticleSearch,
  ListQuery,
  SearchDocument,
} from '../lambdas/shared/search/article-search.ts';
import { ADMIN_PATH_PREFIX } from './admin.ts';

export class AdminSearch implements Pick<ArticleSearch, 'documents' | 'list' | 'tags' | 'upsert' | 'remove'> {
  /** `serverUrl`: the local server's root, e.g. http://localhost:3000. */
  constructor(private readonly serverUrl: string) {}

  async upsert(document: SearchDocument): Promise<void> {
    await this.call('PUT', `search/documents/${encodeURIComponent(document.id)}`, document);
  }

  async remove(articleId: string): Promise<void> {
    await this.call('DELETE', `search/documents/${encodeURIComponent(articleId)}`);
  }

  async list({ tag, limit, offset }: ListQuery): Promise<ArticlePage> {
    const query = new URLSearchParams({ limit: String(limit), offset: String(offset) });
    if (tag !== undefined) query.set('tag', tag);
    return (await this.call('GET', `search/articles?${query}`)) as ArticlePage;
  }

  async tags(): Promise<string[]> {
    return ((await this.call('GET', 'search/tags')) as { tags: string[] }).tags;
  }

  /** One page: the admin route answers with every live document at once. */
  async *documents(): AsyncIterable<readonly SearchDocument[]> {
    yield ((await this.call('GET', 'search/documents')) as { documents: SearchDocument[] }).documents;
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = `${this.serverUrl}${ADMIN_PATH_PREFIX}${path}`;
    const response = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }
}
