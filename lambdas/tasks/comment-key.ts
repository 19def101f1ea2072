/**
 * Workflow task of delete-comment: the key of the comment a path id names. Ids are integers; any
 * other id names no comment, so the result has no key and the workflow answers 404 as for an
 * unknown id. Pure computation.
 */
import { commentKey } from '../shared/keys.ts';
import { workflowTask } from '../shared/observability.ts';

export interface CommentKeyResult {
  readonly key?: { pk: { S: string }; sk: { S: string } };
}

// At most 10 digits: the sort key pads ids to 10 digits.
const COMMENT_ID = /^\d{1,10}$/;

export const handler = workflowTask(
  async ({ articleId, commentId }: { articleId: string; commentId: string }): Promise<CommentKeyResult> => {
    if (!COMMENT_ID.test(commentId)) return {};
    const { pk, sk } = commentKey(articleId, Number(commentId));
    return { key: { pk: { S: pk }, sk: { S: sk } } };
  },
);
