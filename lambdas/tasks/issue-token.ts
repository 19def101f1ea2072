/** Workflow task: signs the JWT for a user (register-user, update-user). */
import { workflowTask } from '../shared/observability.ts';
import { signToken } from '../shared/tokens.ts';

export const handler = workflowTask(
  async ({ userId }: { userId: string }): Promise<{ token: string }> => ({
    token: await signToken({ userId }),
  }),
);
