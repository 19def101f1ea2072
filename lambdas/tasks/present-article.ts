/**
 * Workflow task of every article workflow: renders `{article}` from the stored items, so all of
 * them answer exactly as the read Lambdas do (lambdas/shared/presenters.ts). Pure computation.
 */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { workflowTask } from '../shared/observability.ts';
import { presentArticle, presentProfile } from '../shared/presenters.ts';
import type { ArticleRecord, ProfileRecord } from '../shared/records.ts';

type AttributeMap = Parameters<typeof unmarshall>[0];

/** A flag known to the workflow, or the GetItem output of the relation row whose existence it is. */
export type Flag = boolean | { readonly Item?: AttributeMap };

export interface PresentArticleInput {
  /** The article record (DynamoDB JSON). */
  readonly article: AttributeMap;
  /** The author's profile attributes (DynamoDB JSON, as GetItem projected them). */
  readonly author: AttributeMap;
  /** Whether the caller favorited the article. */
  readonly favorited: Flag;
  /** Whether the caller follows the author. */
  readonly following: Flag;
}

const isSet = (flag: Flag): boolean => (typeof flag === 'boolean' ? flag : flag.Item !== undefined);

export const handler = workflowTask(
  async ({ article, author, favorited, following }: PresentArticleInput) => ({
    article: presentArticle(
      unmarshall(article) as ArticleRecord,
      presentProfile(unmarshall(author) as ProfileRecord, isSet(following)),
      isSet(favorited),
    ),
  }),
);
