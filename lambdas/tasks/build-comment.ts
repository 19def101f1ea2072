/**
 * Workflow task of add-comment: the comment item to store (DynamoDB JSON, keyed by the id the
 * article's counter handed out) and the response. Pure computation.
 */
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { commentKey } from '../shared/keys.ts';
import { workflowTask } from '../shared/observability.ts';
import { type Comment, presentComment, presentProfile } from '../shared/presenters.ts';
import type { CommentRecord, ProfileRecord, UserRecord } from '../shared/records.ts';

export interface BuildCommentInput {
  readonly articleId: string;
  /** The new value of the article's commentSeq, as UpdateItem returned it (a number string). */
  readonly commentId: string;
  /** The validated comment text. */
  readonly body: string;
  /** The author's id and profile attributes as GetItem projected them (DynamoDB JSON). */
  readonly author: Record<string, unknown>;
}

type AttributeMap = Parameters<typeof unmarshall>[0];

export const handler = workflowTask(
  async (input: BuildCommentInput): Promise<{ item: Record<string, unknown>; comment: Comment }> => {
    const author = unmarshall(input.author as AttributeMap) as ProfileRecord & Pick<UserRecord, 'id'>;
    const id = Number(input.commentId);
    const now = new Date().toISOString();
    const record: CommentRecord = {
      ...commentKey(input.articleId, id),
      id,
      articleId: input.articleId,
      body: input.body,
      authorId: author.id,
      createdAt: now,
      updatedAt: now,
    };
    // The author is the caller, who cannot follow themselves.
    return { item: marshall(record), comment: presentComment(record, presentProfile(author, false)) };
  },
);
