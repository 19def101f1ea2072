/**
 * BatchGetItem of any number of keys: 100 keys a call (DynamoDB's limit), consistent reads, and
 * unprocessed keys (throttling) asked for again after a growing wait. Order is not kept.
 */
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

const BATCH_GET_LIMIT = 100;
const MAX_BACKOFF_MS = 1000;

const backOff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(MAX_BACKOFF_MS, 25 * 2 ** attempt)));

export async function batchGetAll(
  db: DynamoDBDocumentClient,
  table: string,
  keys: readonly Record<string, unknown>[],
  projection?: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(start, start + BATCH_GET_LIMIT);
    let attempt = 0;
    while (pending?.length) {
      const response: BatchGetCommandOutput = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: { Keys: pending, ConsistentRead: true, ProjectionExpression: projection },
          },
        }),
      );
      items.push(...(response.Responses?.[table] ?? []));
      pending = response.UnprocessedKeys?.[table]?.Keys;
      if (pending?.length) await backOff(++attempt);
    }
  }
  return items;
}
