/**
 * Keeps the runtime's DynamoDB running and knows when it is not:
 *
 * - DynamoDB Local launched with a data directory (`npm start`): when it exits, it is started again
 *   on the same port with the same data, and the runtime carries on. If it cannot be (Java gone, or
 *   it keeps dying within STABLE_RUN_MS of each start), the runtime gives up: `onFatal`.
 * - DynamoDB Local launched in memory: its exit took every table with it, and a restart would serve
 *   an empty database as if nothing happened, so that is fatal at once.
 * - An external endpoint (the tests share one): nothing to restart; its health is only observed.
 *
 * `available` turns false the moment the process exits or a probe finds the endpoint unreachable,
 * and true again once DynamoDB answers; meanwhile the gateway answers 503 without trying.
 */
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { isConnectionFailure } from '../lambdas/shared/errors.ts';
import {
  type DynamoDbLocal,
  type DynamoDbLocalOptions,
  JavaMissingError,
  localAwsConfig,
  startDynamoDbLocal,
} from './dynamodb-local.ts';

/** A run shorter than this counts as a failed start: it died again at once. */
const STABLE_RUN_MS = 30_000;
/** Failed starts in a row (exits within STABLE_RUN_MS, or starts that fail) before giving up. */
const MAX_FAILED_STARTS = 3;
const PROBE_INTERVAL_MS = 200;
const PROBE_TIMEOUT_MS = 1_000;

/** What the gateway needs to know about DynamoDB. */
export interface DynamoDbHealth {
  /** False while DynamoDB is known to be down or restarting. */
  readonly available: boolean;
  /** A call failed as if DynamoDB were unreachable: probe it, and keep probing until it answers. */
  suspect(): void;
}

export interface DynamoDbSupervisorOptions {
  /** An already running DynamoDB to observe; otherwise DynamoDB Local is launched. */
  readonly endpoint?: string;
  /** Data directory of a launched DynamoDB Local; undefined runs it in memory. */
  readonly dataDir?: string;
  readonly log: (line: string) => void;
  /** Called once when DynamoDB is gone for good and the runtime cannot go on, with one line saying why. */
  readonly onFatal: (message: string) => void;
  /** Starts DynamoDB Local; tests pass a stand-in process. */
  readonly launch?: (options: DynamoDbLocalOptions) => Promise<DynamoDbLocal>;
}

const seconds = (since: number): string => ((performance.now() - since) / 1000).toFixed(1);
const firstLine = (error: unknown): string => String((error as Error).message ?? error).split('\n')[0] ?? '';

export class DynamoDbSupervisor implements DynamoDbHealth {
  private up = true;
  private downSince = 0;
  /** The running DynamoDB Local; undefined for an external endpoint, or while restarting. */
  private current: DynamoDbLocal | undefined;
  private startedAt = 0;
  private failedStarts = 0;
  private restarting: Promise<void> | undefined;
  private probing = false;
  private finished = false;
  private readonly probeClient: DynamoDBClient;

  private constructor(
    private readonly options: DynamoDbSupervisorOptions,
    readonly endpoint: string,
    private readonly port: number | undefined,
  ) {
    this.probeClient = new DynamoDBClient({
      ...localAwsConfig,
      endpoint,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: PROBE_TIMEOUT_MS, requestTimeout: PROBE_TIMEOUT_MS },
    });
  }

  static async start(options: DynamoDbSupervisorOptions): Promise<DynamoDbSupervisor> {
    if (options.endpoint) return new DynamoDbSupervisor(options, options.endpoint, undefined);
    const database = await (options.launch ?? startDynamoDbLocal)({ dataDir: options.dataDir });
    const supervisor = new DynamoDbSupervisor(options, database.endpoint, database.port);
    supervisor.watch(database);
    return supervisor;
  }

  get available(): boolean {
    return this.up;
  }

  /** Makes a client report its connection failures, so an outage is noticed at the first one. */
  observe(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (isConnectionFailure(error)) this.suspect();
          throw error;
        }
      },
      { step: 'initialize', name: 'reportDynamoDbConnectionFailures' },
    );
  }

  suspect(): void {
    if (this.probing || this.restarting || this.finished) return;
    this.probing = true;
    void this.probeUntilAnswered().finally(() => {
      this.probing = false;
    });
  }

  async stop(): Promise<void> {
    this.finished = true;
    await this.restarting;
    await this.current?.stop();
    this.probeClient.destroy();
  }

  private markDown(): void {
    if (!this.up) return;
    this.up = false;
    this.downSince = performance.now();
  }

  private async answers(): Promise<boolean> {
    try {
      await this.probeClient.send(new ListTablesCommand({ Limit: 1 }));
      return true;
    } catch {
      return false;
    }
  }

  private async probeUntilAnswered(): Promise<void> {
    while (!this.finished && !this.restarting) {
      if (await this.answers()) {
        if (!this.up && !this.restarting) {
          this.up = true;
          this.options.log(`DynamoDB ${this.endpoint} answers again after ${seconds(this.downSince)} s`);
        }
        return;
      }
      if (this.up && !this.restarting) {
        this.markDown();
        this.options.log(`DynamoDB ${this.endpoint} does not answer: requests get 503 until it does`);
      }
      await new Promise((resolve) => setTimeout(resolve, PROBE_INTERVAL_MS).unref());
    }
  }

  private watch(database: DynamoDbLocal): void {
    this.current = database;
    this.startedAt = Date.now();
    void database.exited.then((how) => {
      if (this.finished || this.current !== database) return;
      this.current = undefined;
      this.markDown();
      if (!this.options.dataDir) {
        this.fail(
          `DynamoDB Local (in memory) exited (${how}) and took every table with it; a restart would serve an empty database, so the runtime stops (npm start keeps data in DATA_DIR and survives this).`,
        );
        return;
      }
      this.failedStarts = Date.now() - this.startedAt < STABLE_RUN_MS ? this.failedStarts + 1 : 0;
      this.options.log(
        `DynamoDB Local exited (${how}): restarting it on port ${this.port} with the data in ${this.options.dataDir}; requests get 503 until it is back`,
      );
      this.restarting = this.restart(how).finally(() => {
        this.restarting = undefined;
      });
    });
  }

  private async restart(lastFailure: string): Promise<void> {
    const launch = this.options.launch ?? startDynamoDbLocal;
    let reason = lastFailure;
    while (this.failedStarts < MAX_FAILED_STARTS) {
      if (this.finished) return;
      try {
        const database = await launch({ dataDir: this.options.dataDir, port: this.port });
        if (this.finished) {
          await database.stop();
          return;
        }
        this.watch(database);
        this.up = true;
        this.options.log(`DynamoDB Local is back on ${this.endpoint} after ${seconds(this.downSince)} s`);
        return;
      } catch (error) {
        if (error instanceof JavaMissingError) {
          this.fail(`DynamoDB Local exited and cannot be restarted: ${error.message}`);
          return;
        }
        reason = firstLine(error);
        this.failedStarts++;
        this.options.log(`DynamoDB Local did not start again: ${reason}`);
      }
    }
    this.fail(
      `DynamoDB Local cannot be kept running: ${MAX_FAILED_STARTS} starts in a row ended within ${STABLE_RUN_MS / 1000} s (last: ${reason}); the runtime stops, the data in ${this.options.dataDir} is kept.`,
    );
  }

  private fail(message: string): void {
    if (this.finished) return;
    this.finished = true;
    this.markDown();
    this.options.onFatal(message);
  }
}
