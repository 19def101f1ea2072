/**
 * Assembles the local runtime: DynamoDB Local, the tables, the key pair, the Lambda modules, the
 * workflows, the stream poller and the gateway. `npm start` and the end-to-end tests both use it.
 */
import './polyfills.ts';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { statusOfError } from '../lambdas/shared/errors.ts';
import { articleSearch } from '../lambdas/shared/search/configured.ts';
import { metricsNamespace } from '../schemas/functions.ts';
import { requiredAuthCache } from '../schemas/routes.ts';
import { type TableId, tableEnvVar, tables } from '../schemas/tables.ts';
import { createLocalAdmin } from './admin.ts';
import { AuthorizerCache } from './authorizer-cache.ts';
import { localAwsConfig } from './dynamodb-local.ts';
import { DynamoDbSupervisor } from './dynamodb-supervisor.ts';
import { FaultInjector, type FaultRule, injectDynamoDbFaults, injectSearchFaults } from './faults.ts';
import { createGateway } from './gateway.ts';
import { configureHandlerEnvironment } from './handler-environment.ts';
import { ensureKeyPair } from './keys.ts';
import { LocalLambdas } from './lambdas.ts';
import { localSearchIndexName, rebuildLocalSearchIndex } from './search-index.ts';
import { type LocalSecretsManager, startLocalSecretsManager } from './secrets-manager.ts';
import { StreamPoller } from './stream-poller.ts';
import { createTables, localTableNames } from './tables.ts';
import { LocalWorkflows } from './workflows.ts';

export interface RuntimeOptions {
  /** Port of the API; 0 picks a free one. */
  readonly port: number;
  /** Persistent data directory; undefined keeps DynamoDB Local in memory. */
  readonly dataDir?: string;
  /** Use an already running DynamoDB (tests share one); otherwise DynamoDB Local is launched. */
  readonly dynamoDbEndpoint?: string;
  /** Prefix of the table names, so several runtimes can share one DynamoDB. */
  readonly tablePrefix?: string;
  /** Directory holding the JWT key pair (generated when missing). */
  readonly keyDir: string;
  /** Answer writes before their stream events are processed, as production does. */
  readonly asyncEvents?: boolean;
  /** Stream checkpoints and dead letters; undefined keeps them in memory. */
  readonly eventsDir?: string;
  readonly log?: (line: string) => void;
  /** Faults to inject from the start (local/faults.ts); `runtime.faults` changes them later. */
  readonly faults?: readonly FaultRule[];
  /** Seed of the faults' random draws (default 1). */
  readonly faultSeed?: number;
  /**
   * Called when DynamoDB is gone for good (an in-memory DynamoDB Local died, or one with a data
   * directory cannot be restarted), with one line saying why; default: print it and exit with 1.
   */
  readonly onFatal?: (message: string) => void;
}

export interface Runtime {
  readonly url: string;
  readonly dynamoDbEndpoint: string;
  readonly tableNames: Record<TableId, string>;
  readonly workflows: LocalWorkflows;
  /** The stream delivery; `events.settle()` waits until every write so far has been processed. */
  readonly events: StreamPoller;
  /**
   * The client the workflows' DynamoDB tasks use (tests instrument it with middleware). Like a Step
   * Functions integration it makes one attempt per call: the workflow's Retry clauses retry.
   */
  readonly dynamoDb: DynamoDBClient;
  /** The failures DynamoDB, Lambda, Step Functions and the search index answer with (local/faults.ts). */
  readonly faults: FaultInjector;
  /** The cache of the authorizer on required routes; `flush()` as FlushStageAuthorizersCache does. */
  readonly authorizerCache: AuthorizerCache;
  stop(): Promise<void>;
}

function exitOnFatal(message: string): never {
  console.error(message);
  process.exit(1);
}

/** Stream lag in --async-events mode; in the default mode writes settle their events before answering. */
const STREAM_POLL_INTERVAL_MS = 100;

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const log = options.log ?? ((line: string) => console.log(line));
  const database = await DynamoDbSupervisor.start({
    endpoint: options.dynamoDbEndpoint,
    dataDir: options.dataDir,
    log,
    onFatal: options.onFatal ?? exitOnFatal,
  });
  const { endpoint } = database;
  // The runtime's own calls (tables, stream shards, the search rebuild): no faults, the SDK's retries.
  const runtimeDynamoDb = new DynamoDBClient({ ...localAwsConfig, endpoint });
  const dynamoDb = new DynamoDBClient({ ...localAwsConfig, endpoint, maxAttempts: 1 });
  const faults = new FaultInjector(options.faults, options.faultSeed);
  injectDynamoDbFaults(dynamoDb, faults);
  database.observe(runtimeDynamoDb);
  database.observe(dynamoDb);
  let secrets: LocalSecretsManager | undefined;
  try {
    const tableNames = localTableNames(options.tablePrefix ?? 'conduit-');
    await createTables(runtimeDynamoDb, tableNames);
    secrets = await startLocalSecretsManager({ keyPair: await ensureKeyPair(options.keyDir), faults });

    // The handler modules read their configuration at import, as in a Lambda cold start; what they
    // keep must be the same for every runtime of this process.
    const kept = { dynamoDbEndpoint: endpoint, keyDir: options.keyDir, ...tableNames };
    configureHandlerEnvironment(kept, {
      DYNAMODB_ENDPOINT: endpoint,
      AWS_REGION: localAwsConfig.region,
      // The key is read from Secrets Manager as in AWS; the SDK signs the request, so it needs
      // credentials, which the local endpoint does not check.
      JWT_SECRET_ARN: secrets.secretArn,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? localAwsConfig.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? localAwsConfig.credentials.secretAccessKey,
      POWERTOOLS_TRACE_ENABLED: 'false',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      // The business metrics print as EMF lines, as in Lambda (test/support/runtime.ts turns them off).
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'false',
      // Set before the search client is first configured (the fault injector below configures it).
      ...(process.env.OPENSEARCH_URL ? { OPENSEARCH_INDEX: localSearchIndexName(tableNames.Articles) } : {}),
      ...Object.fromEntries(tables.map((table) => [tableEnvVar(table.id), tableNames[table.id]])),
    });
    const lambdas = await LocalLambdas.load(faults);
    // Imported once the environment is set: the Lambdas' client reads DYNAMODB_ENDPOINT at import.
    injectDynamoDbFaults((await import('../lambdas/shared/clients.ts')).dynamoDb, faults);
    injectSearchFaults(await articleSearch(), faults);
    await rebuildLocalSearchIndex(runtimeDynamoDb, tableNames, log);
    const workflows = new LocalWorkflows({
      dynamoDb,
      tableNames,
      lambdas,
      faults,
      onExecutionEnd: (result, workflow) => {
        if (result.status !== 'SUCCEEDED' && !((result.error ?? '') in statusOfError)) {
          log(
            `workflow ${workflow} execution ${result.name} ${result.status}: ${result.error} ${result.cause}`,
          );
        }
      },
    });

    const events = await StreamPoller.start({
      endpoint,
      dynamoDb: runtimeDynamoDb,
      tableNames,
      workflows,
      intervalMs: STREAM_POLL_INTERVAL_MS,
      eventsDir: options.eventsDir,
      log,
    });
    const afterWrite = options.asyncEvents ? undefined : () => events.settle();
    const admin = createLocalAdmin({
      dynamoDbEndpoint: endpoint,
      tableNames,
      search: articleSearch,
      events,
      faults,
      workflows,
    });
    const authorizerCache = new AuthorizerCache(requiredAuthCache.ttlSeconds);
    const server = createGateway({ lambdas, workflows, authorizerCache, afterWrite, database, log, admin });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, '127.0.0.1', resolve);
    });
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://localhost:${port}`,
      dynamoDbEndpoint: endpoint,
      tableNames,
      workflows,
      events,
      dynamoDb,
      faults,
      authorizerCache,
      async stop() {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await events.stop();
        await workflows.idle();
        dynamoDb.destroy();
        runtimeDynamoDb.destroy();
        await secrets?.stop();
        await database.stop();
      },
    };
  } catch (error) {
    dynamoDb.destroy();
    runtimeDynamoDb.destroy();
    await secrets?.stop();
    await database.stop();
    throw error;
  }
}

export const defaultDataDir = (): string => join(process.cwd(), '.local');
