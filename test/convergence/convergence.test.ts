/**
 * The convergence properties (suite.ts) in every test run: fixed-seed workloads, five in-process
 * and one with a crash (about a minute). `npm run test:soak` runs many more.
 */
import { convergenceTests } from './suite.ts';

convergenceTests({
  inProcess: { runs: 5, timeoutMs: 60_000 },
  crash: { runs: 1, timeoutMs: 120_000 },
  seed: 7,
});
