/** `npm run test:soak`: the convergence soak (the *.soak.ts files under test/), which `npm test` does not run. */
import base from './jest.config.js';

export default { ...base, testMatch: ['<rootDir>/test/**/*.soak.ts'] };
