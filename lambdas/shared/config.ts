/** Runtime configuration of the functions, from the environment CDK (or the local runtime) sets. */
import { type TableId, tableEnvVar } from '../../schemas/tables.ts';

export function tableName(id: TableId): string {
  const name = process.env[tableEnvVar(id)];
  if (!name) throw new Error(`${tableEnvVar(id)} is not set`);
  return name;
}

/** bcrypt cost: 10 in AWS; the local runtime may lower it for tests (BCRYPT_COST). */
export const bcryptCost = (): number => Number(process.env.BCRYPT_COST ?? 10);
