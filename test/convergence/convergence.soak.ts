/**
 * `npm run test:soak`: the convergence properties (suite.ts) for as long as a time budget allows,
 * from a random seed unless one is given.
 *   SOAK_MINUTES  minutes each of the two properties keeps starting runs (default 5)
 *   SOAK_RUNS     at most this many runs of each property (default: no limit but time)
 *   SOAK_SEED     the seed; SOAK_PATH with it replays one run of a failure report
 */
import { convergenceTests } from './suite.ts';

const minutes = Number(process.env.SOAK_MINUTES ?? 5);
const runs = Number(process.env.SOAK_RUNS ?? 100_000);

convergenceTests({
  asyncRuns: runs,
  crashRuns: runs,
  seed: process.env.SOAK_SEED === undefined ? undefined : Number(process.env.SOAK_SEED),
  path: process.env.SOAK_PATH,
  budgetMs: minutes * 60_000,
  // The run in progress at the deadline finishes: a crash run takes up to about a minute.
  timeoutMs: (minutes + 3) * 60_000,
});
