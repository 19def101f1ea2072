/**
 * Makes the process's search index (the one the runtime's sync-search-index task writes through,
 * lambdas/shared/search/configured.ts) refuse writes of chosen articles as the OpenSearch adapter
 * reports OpenSearch refusing them: SearchUnavailableError, as for a 429
 * (test/unit/search-opensearch-client.test.ts proves that mapping with the real client).
 */
import {
  type ArticleSearch,
  type SearchDocument,
  SearchUnavailableError,
} from '../../lambdas/shared/search/article-search.ts';
import { articleSearch } from '../../lambdas/shared/search/configured.ts';

export interface SearchRefusals {
  /** The article id of every write refused so far, in order. */
  readonly refused: () => readonly string[];
  remove(): void;
}

/** Refuses upserts and removals of these articles: the first `times` of them, or all when omitted. */
export async function refuseSearchWrites(
  articleIds: readonly string[],
  times = Number.POSITIVE_INFINITY,
): Promise<SearchRefusals> {
  const search: ArticleSearch = await articleSearch();
  const { upsert, remove } = search;
  const refused: string[] = [];
  const refuse = (articleId: string) => {
    if (!articleIds.includes(articleId) || refused.length >= times) return;
    refused.push(articleId);
    throw new SearchUnavailableError('OpenSearch answered 429 (es_rejected_execution_exception)');
  };
  search.upsert = async (document: SearchDocument) => {
    refuse(document.id);
    return upsert.call(search, document);
  };
  search.remove = async (articleId: string) => {
    refuse(articleId);
    return remove.call(search, articleId);
  };
  return {
    refused: () => refused,
    remove: () => {
      search.upsert = upsert;
      search.remove = remove;
    },
  };
}
