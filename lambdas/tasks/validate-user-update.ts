/**
 * Workflow task of update-user: validates the changes against the current record, rehashes a new
 * password and computes the transaction that applies them. Pure computation.
 *
 * The transaction always has the same first three items, so the workflow can tell from the
 * positional cancellation reasons what collided:
 *   [0] the user record's profile attributes, conditional on the version read (a concurrent update
 *       loses)
 *   [1] the email marker: a new one (must not exist) or a check that the current one is ours
 *   [2] the username marker: likewise
 * followed by deletes of the markers the change frees.
 */
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import bcrypt from 'bcryptjs';
import { updateUserRequest, validationErrors } from '../../schemas/requests.ts';
import { bcryptCost, tableName } from '../shared/config.ts';
import { emailKey, usernameKey } from '../shared/keys.ts';
import { workflowTask } from '../shared/observability.ts';
import type { UserRecord } from '../shared/records.ts';

export interface UserUpdateInput {
  readonly body: unknown;
  /** The current user item as GetItem returned it (DynamoDB JSON). */
  readonly current: Record<string, unknown>;
}

export type UserUpdateResult =
  | { readonly errors: Record<string, string[]> }
  | {
      readonly userId: string;
      readonly transactItems: unknown[];
      readonly user: { email: string; username: string; bio: string | null; image: string | null };
    };

type AttributeMap = Parameters<typeof unmarshall>[0];

export const handler = workflowTask(async ({ body, current }: UserUpdateInput): Promise<UserUpdateResult> => {
  const parsed = updateUserRequest.safeParse(body ?? {});
  if (!parsed.success) return { errors: validationErrors(parsed.error) };
  const changes = parsed.data.user;
  const before = unmarshall(current as AttributeMap) as UserRecord;
  const after: UserRecord = {
    ...before,
    username: changes.username ?? before.username,
    email: changes.email ?? before.email,
    bio: changes.bio === undefined ? before.bio : changes.bio,
    image: changes.image === undefined ? before.image : changes.image,
    passwordHash: changes.password ? await bcrypt.hash(changes.password, bcryptCost()) : before.passwordHash,
    updatedAt: new Date().toISOString(),
    version: before.version + 1,
  };

  const table = tableName('Users');
  const owner = { ':userId': { S: before.id } };
  const markerItem = (previous: string, next: string) =>
    previous === next
      ? {
          ConditionCheck: {
            TableName: table,
            Key: { pk: { S: previous } },
            ConditionExpression: 'userId = :userId',
            ExpressionAttributeValues: owner,
          },
        }
      : {
          Put: {
            TableName: table,
            Item: { pk: { S: next }, userId: { S: before.id } },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        };
  const freedMarker = (previous: string, next: string) =>
    previous === next
      ? []
      : [
          {
            Delete: {
              TableName: table,
              Key: { pk: { S: previous } },
              ConditionExpression: 'userId = :userId',
              ExpressionAttributeValues: owner,
            },
          },
        ];

  const [oldEmail, newEmail] = [emailKey(before.email), emailKey(after.email)];
  const [oldUsername, newUsername] = [usernameKey(before.username), usernameKey(after.username)];
  return {
    userId: before.id,
    transactItems: [
      {
        // An update of the profile's own attributes, not a Put of the whole item: favoritesMade is
        // moved by the favorite transactions, which do not touch the version.
        Update: {
          TableName: table,
          Key: { pk: { S: before.pk } },
          UpdateExpression:
            'SET #username = :username, #email = :email, #bio = :bio, #image = :image, ' +
            '#passwordHash = :passwordHash, #updatedAt = :updatedAt, #version = :nextVersion',
          ConditionExpression: '#version = :version',
          ExpressionAttributeNames: {
            '#username': 'username',
            '#email': 'email',
            '#bio': 'bio',
            '#image': 'image',
            '#passwordHash': 'passwordHash',
            '#updatedAt': 'updatedAt',
            '#version': 'version',
          },
          ExpressionAttributeValues: marshall({
            ':username': after.username,
            ':email': after.email,
            ':bio': after.bio,
            ':image': after.image,
            ':passwordHash': after.passwordHash,
            ':updatedAt': after.updatedAt,
            ':nextVersion': after.version,
            ':version': before.version,
          }),
        },
      },
      markerItem(oldEmail, newEmail),
      markerItem(oldUsername, newUsername),
      ...freedMarker(oldEmail, newEmail),
      ...freedMarker(oldUsername, newUsername),
    ],
    user: { email: after.email, username: after.username, bio: after.bio, image: after.image },
  };
});
