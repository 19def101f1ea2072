/** Workflow task: signs the JWT for a user (register-user, update-user). */
import { signToken } from '../shared/tokens.ts';

export const handler = async ({ userId }: { userId: string }): Promise<{ token: string }> => ({
  token: await signToken({ userId }),
});
