/** Workflow task of follow-user and unfollow-user: the profile response of a stored user. */
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { workflowTask } from '../shared/observability.ts';
import { type Profile, presentProfile } from '../shared/presenters.ts';
import type { ProfileRecord } from '../shared/records.ts';

export interface PresentProfileInput {
  /** The user's profile attributes as GetItem projected them (DynamoDB JSON). */
  readonly user: Record<string, unknown>;
  readonly following: boolean;
}

type AttributeMap = Parameters<typeof unmarshall>[0];

export const handler = workflowTask(
  async ({ user, following }: PresentProfileInput): Promise<{ profile: Profile }> => ({
    profile: presentProfile(unmarshall(user as AttributeMap) as ProfileRecord, following),
  }),
);
