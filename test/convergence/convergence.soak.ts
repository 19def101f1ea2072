/**
 * `npm run test:soak`: the convergence properties (suite.ts) for as long as a time budget allows,
 * from a random seed unless one is given.
 *   SOAK_MINUTES  the budget (default 10): a third for in-process runs, two thirds for crash runs,
 *                 which take over ten times longer; a run in progress at the end finishes
 *   SOAK_RUNS     at most this many runs of each property (default: no limit but time)
 *   SOAK_SEED     the seed; SOAK_PATH with it replays one run of a failure report
 */
import { convergenceTests } from './suite.ts';

const budgetMs = Number(process.env.SOAK_MINUTES ?? 10) * 60_000;
const runs = Number(process.env.SOAK_RUNS ?? 100_000);
/** Time for the run in progress at the end of the budget to finish. */
const LAST_RUN_MS = 3 * 60_000;

convergenceTests({
  inProcess: { runs, budgetMs: budgetMs / 3, timeoutMs: budgetMs / 3 + LAST_RUN_MS },
  crash: { runs, budgetMs: (budgetMs * 2) / 3, timeoutMs: (budgetMs * 2) / 3 + LAST_RUN_MS },
  seed: process.env.SOAK_SEED === undefined ? undefined : Number(process.env.SOAK_SEED),
  path: process.env.SOAK_PATH,
});
