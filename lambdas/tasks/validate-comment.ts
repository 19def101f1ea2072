/** Workflow task of add-comment: validates the body, or returns the validation errors as a value. */
import { addCommentRequest, validationErrors } from '../../schemas/requests.ts';
import { workflowTask } from '../shared/observability.ts';

export type CommentValidationResult =
  | { readonly errors: Record<string, string[]> }
  | { readonly body: string };

export const handler = workflowTask(async ({ body }: { body: unknown }): Promise<CommentValidationResult> => {
  const parsed = addCommentRequest.safeParse(body ?? {});
  if (!parsed.success) return { errors: validationErrors(parsed.error) };
  return { body: parsed.data.comment.body };
});
