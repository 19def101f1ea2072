/**
 * `npm run opensearch`: one OpenSearch 2.19.6 node (local/opensearch.ts) with its data under
 * <DATA_DIR>/opensearch, until Ctrl-C. Point the runtime or `npm run reindex` at the URL it prints.
 *   DATA_DIR         data directory (default .local/)
 *   OPENSEARCH_PORT  HTTP port (default: a free one)
 */
import { join, resolve } from 'node:path';
import { JavaMissingError } from './dynamodb-local.ts';
import { startOpenSearch } from './opensearch.ts';
import { defaultDataDir } from './runtime.ts';

const started = performance.now();
const homeDir = join(resolve(process.env.DATA_DIR ?? defaultDataDir()), 'opensearch');
try {
  const engine = await startOpenSearch({
    homeDir,
    port: process.env.OPENSEARCH_PORT ? Number(process.env.OPENSEARCH_PORT) : undefined,
    log: (line) => console.log(line),
  });
  console.log(
    [
      `OpenSearch 2.19.6 ready on ${engine.url} in ${((performance.now() - started) / 1000).toFixed(1)} s (data in ${homeDir})`,
      `  OPENSEARCH_URL=${engine.url} npm start   # or: npm start -- --search opensearch, which starts its own`,
    ].join('\n'),
  );
  let stopping = false;
  const stop = async (signal: string) => {
    stopping = true;
    console.log(`${signal}: stopping`);
    await engine.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  const ended = await engine.exited;
  if (!stopping) {
    console.error(`OpenSearch ended by itself (${ended})`);
    process.exit(1);
  }
} catch (error) {
  console.error(error instanceof JavaMissingError ? error.message : error);
  process.exit(1);
}
