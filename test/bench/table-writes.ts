/** Seeding straight into a table, for the bench's large datasets (writing through the API would take too long). */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** Writes items 25 at a time, 8 requests in flight, retrying what DynamoDB leaves unprocessed. */
export async function writeAll(
  db: DynamoDBDocumentClient,
  table: string,
  items: readonly object[],
): Promise<void> {
  const batches: object[][] = [];
  for (let index = 0; index < items.length; index += 25) batches.push(items.slice(index, index + 25));
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batches.length) {
        let requests = (batches[next++] ?? []).map((Item) => ({ PutRequest: { Item } }));
        while (requests.length) {
          const { UnprocessedItems } = await db.send(
            new BatchWriteCommand({ RequestItems: { [table]: requests } }),
          );
          requests = (UnprocessedItems?.[table] ?? []) as typeof requests;
        }
      }
    }),
  );
}
