/**
 * The convergence properties (suite.ts) in every test run: fixed-seed workloads, five in-process
 * and one with a crash (about a minute). `npm run test:soak` runs many more.
 */
import { convergenceTests } from './suite.ts';

convergenceTests({ asyncRuns: 5, crashRuns: 1, seed: 7, timeoutMs: 150_000 });
