/**
 * What the runtime does when its DynamoDB dies, with real processes standing in for DynamoDB Local
 * (a JVM start costs seconds; test/e2e/dynamodb-outage.test.ts kills the real one).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from '@jest/globals';
import {
  type DynamoDbLocal,
  type DynamoDbLocalOptions,
  freePort,
  JavaMissingError,
} from '../../local/dynamodb-local.ts';
import { DynamoDbSupervisor, type DynamoDbSupervisorOptions } from '../../local/dynamodb-supervisor.ts';

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Launches a real process per start (`sh -c script`), as startDynamoDbLocal would launch java. */
class StandIn {
  readonly launches: DynamoDbLocalOptions[] = [];
  readonly processes: ChildProcess[] = [];
  constructor(private readonly scripts: (string | Error)[]) {}

  launch = async (options: DynamoDbLocalOptions): Promise<DynamoDbLocal> => {
    this.launches.push(options);
    const script = this.scripts[Math.min(this.launches.length, this.scripts.length) - 1] ?? 'sleep 600';
    if (script instanceof Error) throw script;
    await new Promise((resolve) => setTimeout(resolve, 100)); // a start takes a while
    const child = spawn('sh', ['-c', `exec ${script}`], { stdio: 'ignore' });
    this.processes.push(child);
    const exited = new Promise<string>((resolve) =>
      child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`)),
    );
    const port = options.port ?? (await freePort());
    return {
      endpoint: `http://127.0.0.1:${port}`,
      port,
      exited,
      stop: async () => {
        child.kill('SIGTERM');
        await exited;
      },
    };
  };

  kill(): void {
    this.processes.at(-1)?.kill('SIGKILL');
  }
}

const running: DynamoDbSupervisor[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((supervisor) => supervisor.stop()));
});

async function supervise(standIn: StandIn, options: Partial<DynamoDbSupervisorOptions> = {}) {
  const lines: string[] = [];
  const fatal: string[] = [];
  const supervisor = await DynamoDbSupervisor.start({
    launch: standIn.launch,
    log: (line) => lines.push(line),
    onFatal: (message) => fatal.push(message),
    ...options,
  });
  running.push(supervisor);
  return { supervisor, lines, fatal };
}

describe('DynamoDB Local with a data directory', () => {
  it('is restarted on the same port with the same data when it dies, and is unavailable meanwhile', async () => {
    const standIn = new StandIn(['sleep 600']);
    const { supervisor, lines, fatal } = await supervise(standIn, { dataDir: '/data/dynamodb' });
    const port = Number(new URL(supervisor.endpoint).port);
    expect(supervisor.available).toBe(true);

    standIn.kill();
    await waitFor(() => !supervisor.available, 'the exit to be noticed');
    await waitFor(() => supervisor.available, 'the restart');

    expect(standIn.launches).toEqual([{ dataDir: '/data/dynamodb' }, { dataDir: '/data/dynamodb', port }]);
    expect(lines).toEqual([
      `DynamoDB Local exited (killed by SIGKILL): restarting it on port ${port} with the data in /data/dynamodb; requests get 503 until it is back`,
      expect.stringMatching(
        new RegExp(`^DynamoDB Local is back on http://127\\.0\\.0\\.1:${port} after \\d+\\.\\d s$`),
      ),
    ]);
    expect(fatal).toEqual([]);
  });

  it('gives up with one line when it keeps dying right after each start', async () => {
    const standIn = new StandIn(['sh -c "sleep 0.2; exit 3"']);
    const { supervisor, fatal } = await supervise(standIn, { dataDir: '/data/dynamodb' });

    await waitFor(() => fatal.length > 0, 'giving up');
    expect(fatal).toEqual([
      'DynamoDB Local cannot be kept running: 3 starts in a row ended within 30 s (last: exit code 3); the runtime stops, the data in /data/dynamodb is kept.',
    ]);
    expect(standIn.launches).toHaveLength(3);
    expect(supervisor.available).toBe(false);
  });

  it('gives up when the restarts fail', async () => {
    const failure = new Error('DynamoDB Local exited with code 1: Address already in use\n  at …');
    const standIn = new StandIn(['sleep 600', failure]);
    const { lines, fatal } = await supervise(standIn, { dataDir: '/data/dynamodb' });

    standIn.kill();
    await waitFor(() => fatal.length > 0, 'giving up');
    expect(lines.slice(1)).toEqual([
      'DynamoDB Local did not start again: DynamoDB Local exited with code 1: Address already in use',
      'DynamoDB Local did not start again: DynamoDB Local exited with code 1: Address already in use',
    ]);
    expect(fatal).toEqual([
      'DynamoDB Local cannot be kept running: 3 starts in a row ended within 30 s (last: DynamoDB Local exited with code 1: Address already in use); the runtime stops, the data in /data/dynamodb is kept.',
    ]);
  });

  it('gives up at once when Java is gone', async () => {
    const standIn = new StandIn(['sleep 600', new JavaMissingError('DynamoDB Local needs Java 17+ on PATH')]);
    const { fatal } = await supervise(standIn, { dataDir: '/data/dynamodb' });

    standIn.kill();
    await waitFor(() => fatal.length > 0, 'giving up');
    expect(fatal).toEqual([
      'DynamoDB Local exited and cannot be restarted: DynamoDB Local needs Java 17+ on PATH',
    ]);
    expect(standIn.launches).toHaveLength(2);
  });

  it('is not restarted once the runtime stops it', async () => {
    const standIn = new StandIn(['sleep 600']);
    const { supervisor, lines, fatal } = await supervise(standIn, { dataDir: '/data/dynamodb' });
    await supervisor.stop();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect({ launches: standIn.launches.length, lines, fatal }).toEqual({
      launches: 1,
      lines: [],
      fatal: [],
    });
  });
});

describe('DynamoDB Local in memory', () => {
  it('is fatal when it dies: a restart would serve an empty database', async () => {
    const standIn = new StandIn(['sleep 600']);
    const { supervisor, lines, fatal } = await supervise(standIn);

    standIn.kill();
    await waitFor(() => fatal.length > 0, 'the fatal report');
    expect(fatal).toEqual([
      'DynamoDB Local (in memory) exited (killed by SIGKILL) and took every table with it; a restart would serve an empty database, so the runtime stops (npm start keeps data in DATA_DIR and survives this).',
    ]);
    expect(standIn.launches).toHaveLength(1);
    expect(lines).toEqual([]);
    expect(supervisor.available).toBe(false);
  });
});

describe('an external DynamoDB endpoint', () => {
  it('is only observed: unavailable once a probe finds it unreachable, available when it answers again', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const supervisor = await DynamoDbSupervisor.start({
      endpoint: `http://127.0.0.1:${port}`,
      log: (line) => lines.push(line),
      onFatal: (message) => lines.push(`fatal: ${message}`),
    });
    running.push(supervisor);
    expect(supervisor.available).toBe(true);

    supervisor.suspect();
    await waitFor(() => !supervisor.available, 'the failed probe');

    // Something answering DynamoDB's ListTables comes up on that port.
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.0' });
      response.end('{"TableNames":[]}');
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      await waitFor(() => supervisor.available, 'the endpoint to be seen answering');
    } finally {
      server.closeAllConnections();
      server.close();
    }
    expect(lines).toEqual([
      `DynamoDB http://127.0.0.1:${port} does not answer: requests get 503 until it does`,
      expect.stringMatching(
        new RegExp(`^DynamoDB http://127\\.0\\.0\\.1:${port} answers again after \\d+\\.\\d s$`),
      ),
    ]);
  });
});
