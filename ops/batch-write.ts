/**
 * BatchWriteItem of any number of puts and deletes on one table: 25 requests a call (DynamoDB's
 * limit), unprocessed items (throttling) sent again after a growing wait.
 */
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  type BatchWriteCommandOutput,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';

/** `{ PutRequest: { Item } }` or `{ DeleteRequest: { Key } }`, in plain JSON. */
export type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const BATCH_WRITE_LIMIT = 25;
const MAX_BACKOFF_MS = 1000;
/** With the wait capped at a second, about 20 s of throttling before giving up. */
const MAX_ATTEMPTS = 25;

const backOff = (attempt: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.min(MAX_BACKOFF_MS, 25 * 2 ** attempt)));

export async function batchWriteAll(
  db: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
): Promise<void> {
  for (let start = 0; start < requests.length; start += BATCH_WRITE_LIMIT) {
    let pending: WriteRequest[] | undefined = requests.slice(start, start + BATCH_WRITE_LIMIT);
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt === MAX_ATTEMPTS) {
        throw new Error(
          `BatchWriteItem on ${table}: ${pending.length} writes still unprocessed after ${attempt} attempts`,
        );
      }
      if (attempt > 0) await backOff(attempt);
      const response: BatchWriteCommandOutput = await db.send(
        new BatchWriteCommand({ RequestItems: { [table]: pending } }),
      );
      pending = response.UnprocessedItems?.[table];
    }
  }
}
