/**
 * Repairs what verify-data found in derived data, and nothing else: puts missing or stale feed
 * entries and deletes extra ones and the orphaned favorites, favorited rows and comments of deleted
 * articles (BatchWriteItem), sets the attributes a deploy added on items written before it
 * (conditional UpdateItem: the byFavoritingUser keys, favoritesMade, slug markers' authorId and
 * createdAt), upserts missing or stale search documents and removes ghosts. Source invariants are
 * never repaired: a broken one has no single right answer, so it is left to a person. Run `verifyData` again afterwards: what still differs was written meanwhile, or cannot
 * be repaired through the index's contract (e.g. an indexed copy with a later `updatedAt`).
 */
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll, type WriteRequest } from './batch-write.ts';
import { inParallel } from './in-parallel.ts';
import type { Finding, Repair, VerifyOptions, VerifyReport } from './verify-data.ts';

export interface RepairResult {
  /** The findings whose repair was applied. */
  readonly repaired: readonly Finding[];
  /** Findings with nothing to apply: broken source invariants, and tags or totals (they follow the documents). */
  readonly unrepaired: readonly Finding[];
}

type ItemRepair = Extract<Repair, { action: 'put-item' | 'delete-item' }>;
type UpdateRepair = Extract<Repair, { action: 'update-item' }>;
type DocumentRepair = Extract<Repair, { action: 'upsert-document' | 'remove-document' }>;

const isItemRepair = (repair: Repair): repair is ItemRepair =>
  repair.action === 'put-item' || repair.action === 'delete-item';
const isUpdateRepair = (repair: Repair): repair is UpdateRepair => repair.action === 'update-item';
const isDocumentRepair = (repair: Repair): repair is DocumentRepair =>
  repair.action === 'upsert-document' || repair.action === 'remove-document';

/**
 * Sets the attributes unless the item changed since the scan (the condition): then it is left, and
 * the verification that follows shows whether it still differs.
 */
async function applyUpdate(db: DynamoDBDocumentClient, table: string, repair: UpdateRepair): Promise<void> {
  const names = Object.keys(repair.set);
  try {
    await db.send(
      new UpdateCommand({
        TableName: table,
        Key: repair.key,
        UpdateExpression: `SET ${names.map((_, index) => `#a${index} = :a${index}`).join(', ')}`,
        ConditionExpression: repair.condition,
        ExpressionAttributeNames: Object.fromEntries(names.map((name, index) => [`#a${index}`, name])),
        ExpressionAttributeValues: {
          ...repair.values,
          ...Object.fromEntries(names.map((name, index) => [`:a${index}`, repair.set[name]])),
        },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
}

export async function repairData(
  { db, tableNames, search }: VerifyOptions,
  report: VerifyReport,
): Promise<RepairResult> {
  const repaired = report.findings.filter((finding) => finding.repair);
  const unrepaired = report.findings.filter((finding) => !finding.repair);
  const repairs = repaired.map((finding) => finding.repair as Repair);

  // One request per item: a batch may not name the same key twice.
  const writes = new Map<string, WriteRequest>();
  for (const repair of repairs.filter(isItemRepair)) {
    const { pk, sk } = repair.action === 'put-item' ? repair.item : repair.key;
    writes.set(
      `${pk}\n${sk}`,
      repair.action === 'put-item'
        ? { PutRequest: { Item: { ...repair.item } } }
        : { DeleteRequest: { Key: repair.key } },
    );
  }
  await batchWriteAll(db, tableNames.Relations, [...writes.values()]);

  // After the batch: an orphaned favorites# row deleted there is one the clean-up no longer uncounts.
  await inParallel(repairs.filter(isUpdateRepair), (repair) =>
    applyUpdate(db, tableNames[repair.table], repair),
  );

  const documentRepairs = repairs.filter(isDocumentRepair);
  await inParallel(documentRepairs, (repair) =>
    repair.action === 'upsert-document' ? search.upsert(repair.document) : search.remove(repair.articleId),
  );
  return { repaired, unrepaired };
}
