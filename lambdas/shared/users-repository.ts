/** Reads of users and their marker items. Writes happen in the workflows' transactions. */
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
  GetCommand,
} from '@aws-sdk/lib-dynamodb';
import { emailKey, userKey, usernameKey } from './keys.ts';
import type { MarkerRecord, UserRecord } from './records.ts';

const BATCH_GET_LIMIT = 100;

export class UsersRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async findById(userId: string): Promise<UserRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk: userKey(userId) }, ConsistentRead: true }),
    );
    return Item as UserRecord | undefined;
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    return this.findByMarker(emailKey(email));
  }

  async findByUsername(username: string): Promise<UserRecord | undefined> {
    return this.findByMarker(usernameKey(username));
  }

  /** Users by id, in one BatchGetItem per 100 ids; unknown ids are absent from the map. */
  async findManyByIds(userIds: readonly string[]): Promise<Map<string, UserRecord>> {
    const unique = [...new Set(userIds)];
    const found = new Map<string, UserRecord>();
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] | undefined = unique
        .slice(start, start + BATCH_GET_LIMIT)
        .map((id) => ({ pk: userKey(id) }));
      while (keys?.length) {
        const response: BatchGetCommandOutput = await this.db.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of response.Responses?.[this.table] ?? []) {
          const user = item as UserRecord;
          found.set(user.id, user);
        }
        keys = response.UnprocessedKeys?.[this.table]?.Keys;
      }
    }
    return found;
  }

  private async findByMarker(pk: string): Promise<UserRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk }, ConsistentRead: true }),
    );
    const marker = Item as MarkerRecord | undefined;
    return marker ? this.findById(marker.userId) : undefined;
  }
}
