/**
 * `npm start`: the API on http://localhost:3000/api, backed by a persistent DynamoDB Local.
 *   PORT            port of the API (default 3000)
 *   DATA_DIR        data directory (default .local/)
 *   --async-events  answer writes before their stream events are processed, like production
 *   --faults <spec> answer calls with AWS's failures (local/faults.ts says how to write a spec)
 *   --fault-seed N  seed of the faults' random draws, to replay a run (default 1)
 *   --search opensearch  search on OpenSearch 2.19.6 (OPENSEARCH_URL, or one started here) instead
 *                        of the embedded engine (local/opensearch.ts)
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { JavaMissingError } from './dynamodb-local.ts';
import { type FaultRule, FaultSpecError, parseFaultSpec } from './faults.ts';
import { compactStructuredLogs } from './log-format.ts';
import { type SearchEngineChoice, searchEngineChoice, startSearchEngine } from './opensearch.ts';
import { defaultDataDir, startRuntime } from './runtime.ts';

const started = performance.now();
// The handlers' JSON log and metric lines, as one readable line each in a terminal.
if (process.stdout.isTTY) compactStructuredLogs(process.stdout);
const dataDir = resolve(process.env.DATA_DIR ?? defaultDataDir());
let asyncEvents: boolean;
let faults: FaultRule[];
let faultSeed: number;
let search: SearchEngineChoice;
try {
  const { values } = parseArgs({
    options: {
      'async-events': { type: 'boolean', default: false },
      faults: { type: 'string', default: '' },
      'fault-seed': { type: 'string', default: '1' },
      search: { type: 'string', default: 'embedded' },
    },
  });
  search = searchEngineChoice(values.search);
  asyncEvents = values['async-events'];
  faults = parseFaultSpec(values.faults);
  faultSeed = Number(values['fault-seed']);
  if (!Number.isSafeInteger(faultSeed)) throw new FaultSpecError('--fault-seed must be an integer');
} catch (error) {
  console.error(`npm start: ${(error as Error).message}`);
  process.exit(2);
}

try {
  const searchEngine = await startSearchEngine(search, dataDir, (line) => console.log(line));
  const runtime = await startRuntime({
    port: Number(process.env.PORT ?? 3000),
    dataDir: join(dataDir, 'dynamodb'),
    keyDir: join(dataDir, 'keys'),
    eventsDir: join(dataDir, 'events'),
    asyncEvents,
    faults,
    faultSeed,
  });
  console.log(
    [
      `Conduit API ready on ${runtime.url}/api in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      `  DynamoDB Local ${runtime.dynamoDbEndpoint} (data in ${dataDir})`,
      `  search: ${process.env.OPENSEARCH_URL ? `OpenSearch ${process.env.OPENSEARCH_URL}` : 'embedded'}`,
      `  workflows: state-machines/*.asl.json on aws-local-stepfunctions; stream events ${asyncEvents ? 'asynchronous' : 'processed before each write answers'}`,
      ...(faults.length
        ? [`  faults (seed ${faultSeed}): ${faults.map((rule) => JSON.stringify(rule)).join(' ')}`]
        : []),
    ].join('\n'),
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    await runtime.stop();
    await searchEngine?.stop();
    process.exit(0);
  };
  void searchEngine?.exited.then((how) => {
    if (stopping) return;
    console.error(`OpenSearch ended (${how}): stopping`);
    process.exit(1);
  });
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (error) {
  if (error instanceof JavaMissingError) console.error(error.message);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(`Port ${process.env.PORT ?? 3000} is already in use: stop what runs there or set PORT.`);
  } else console.error(error);
  process.exit(1);
}
