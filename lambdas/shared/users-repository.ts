/** Reads of users and their marker items. Writes happen in the workflows' transactions. */
import { type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from './batch-get.ts';
import { emailKey, userKey, usernameKey } from './keys.ts';
import type { MarkerRecord, UserRecord } from './records.ts';

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

  /** The id of the user with this username, from its marker alone (one GetItem, no record read). */
  async findIdByUsername(username: string): Promise<string | undefined> {
    return (await this.marker(usernameKey(username)))?.userId;
  }

  /** Users by id, in one BatchGetItem per 100 ids; unknown ids are absent from the map. */
  async findManyByIds(userIds: readonly string[]): Promise<Map<string, UserRecord>> {
    const keys = [...new Set(userIds)].map((id) => ({ pk: userKey(id) }));
    const users = (await batchGetAll(this.db, this.table, keys)) as unknown as UserRecord[];
    return new Map(users.map((user) => [user.id, user]));
  }

  private async findByMarker(pk: string): Promise<UserRecord | undefined> {
    const marker = await this.marker(pk);
    return marker ? this.findById(marker.userId) : undefined;
  }

  private async marker(pk: string): Promise<MarkerRecord | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { pk }, ConsistentRead: true }),
    );
    return Item as MarkerRecord | undefined;
  }
}
