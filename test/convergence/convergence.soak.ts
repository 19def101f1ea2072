/**
 * `npm run test:soak`: the convergence properties (suite.ts) for as long as a time budget allows,
 * from a random seed unless one is given.
 *   SOAK_MINUTES  the budget (default 10): a third for in-process runs, two thirds for crash runs,
 *                 which take over ten times longer; a run in progress at the end finishes
 *   SOAK_RUNS     at most this many runs of each property (default: more than the budget fits,
 *                 one per second in-process and one per ten seconds with a crash)
 *   SOAK_SEED     the seed; SOAK_PATH with it replays one run of a failure report
 */
import { convergenceTests } from './suite.ts';

const budgetMs = Number(process.env.SOAK_MINUTES ?? 10) * 60_000;
const inProcessMs = budgetMs / 3;
const crashMs = budgetMs - inProcessMs;
/** fast-check draws every run's workload even once the budget is spent: no far more runs than fit. */
const runs = (msPerRun: number, budget: number): number =>
  Number(process.env.SOAK_RUNS ?? Math.ceil(budget / msPerRun));
/** Time for the run in progress at the end of the budget to finish. */
const LAST_RUN_MS = 3 * 60_000;

convergenceTests({
  inProcess: { runs: runs(1_000, inProcessMs), budgetMs: inProcessMs, timeoutMs: inProcessMs + LAST_RUN_MS },
  crash: { runs: runs(10_000, crashMs), budgetMs: crashMs, timeoutMs: crashMs + LAST_RUN_MS },
  seed: process.env.SOAK_SEED === undefined ? undefined : Number(process.env.SOAK_SEED),
  path: process.env.SOAK_PATH,
});
