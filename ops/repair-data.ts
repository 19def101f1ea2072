/**
 * Repairs what verify-data found in derived data, and nothing else: puts missing or stale feed
 * entries and deletes extra ones and the orphaned favorites, favorited rows and comments of deleted
 * articles (BatchWriteItem), upserts missing or stale search documents and removes ghosts. Source
 * records are never written: a broken source invariant has no single right answer, so it is left to
 * a person. Run `verifyData` again afterwards: what still differs was written meanwhile, or cannot
 * be repaired through the index's contract (e.g. an indexed copy with a later `updatedAt`).
 */
import { batchWriteAll, type WriteRequest } from './batch-write.ts';
import { inParallel } from './in-parallel.ts';
import type { Finding, Repair, VerifyOptions, VerifyReport } from './verify-data.ts';

export interface RepairResult {
  /** The findings whose repair was applied. */
  readonly repaired: readonly Finding[];
  /** Findings with nothing to apply: broken source invariants, and tags or totals (they follow the documents). */
  readonly unrepaired: readonly Finding[];
}

type ItemRepair = Extract<Repair, { table: 'Relations' }>;
type DocumentRepair = Exclude<Repair, ItemRepair>;

const isItemRepair = (repair: Repair): repair is ItemRepair =>
  repair.action === 'put-item' || repair.action === 'delete-item';

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

  const documentRepairs = repairs.filter((repair): repair is DocumentRepair => !isItemRepair(repair));
  await inParallel(documentRepairs, (repair) =>
    repair.action === 'upsert-document' ? search.upsert(repair.document) : search.remove(repair.articleId),
  );
  return { repaired, unrepaired };
}
