/**
 * `npm start` in a child process, for tests that kill the server: started on a data directory,
 * SIGKILLed at any moment, started again on the same directory. Whatever a test does, every
 * server and temporary directory it made is gone after its file (`useServerProcesses`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from '@jest/globals';
import { repoRoot } from '../../schemas/paths.ts';

export interface ServerProcess {
  /** The API root without `/api`, e.g. http://localhost:41234. */
  readonly url: string;
  /** What the server printed so far (last 20,000 characters). */
  readonly output: () => string;
  /** SIGKILL, as a crash: no clean-up runs. Resolves once the server and its DynamoDB Local are gone. */
  kill(): Promise<void>;
}

export interface ServerOptions {
  readonly dataDir: string;
  readonly asyncEvents?: boolean;
}

/** Servers not ended yet, across the test file. */
const live = new Set<ServerProcess>();

const READY_TIMEOUT_MS = 60_000;
const EXIT_TIMEOUT_MS = 15_000;

/**
 * Runs the server under a shell that SIGKILLs it when our end of its stdin closes, which happens
 * when this process ends in any way: a jest worker that dies leaves no server (and so no JVM)
 * behind. The shell prints the server's pid first, so a test can kill the server itself.
 */
const WATCHDOG =
  'exec 3<&0; "$@" & pid=$!; echo "server pid $pid"; (cat <&3; kill -9 $pid) >/dev/null 2>&1 & wait $pid';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with `promise` or after `ms`, whichever comes first, leaving no timer behind. */
async function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Pids of the DynamoDB Local JVMs that hold this data directory. */
const dynamoDbLocalPids = (dataDir: string): number[] =>
  spawnSync('pgrep', ['-f', `java.*DynamoDBLocal.jar.*${join(dataDir, 'dynamodb')}`], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean)
    .map(Number);

export async function startServerProcess(options: ServerOptions): Promise<ServerProcess> {
  const shell = spawn(
    'sh',
    [
      '-c',
      WATCHDOG,
      'conduit-server',
      process.execPath,
      '--import',
      'tsx',
      'local/main.ts',
      ...(options.asyncEvents ? ['--async-events'] : []),
    ],
    {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0', DATA_DIR: options.dataDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  shell.stdout?.on('data', collect);
  shell.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => shell.once('exit', () => resolve()));

  const ended = () => shell.exitCode !== null || shell.signalCode !== null;
  const serverPid = () => Number(/^server pid (\d+)$/m.exec(output)?.[1] ?? 0);
  const kill = async () => {
    const pid = serverPid();
    if (pid && isRunning(pid)) process.kill(pid, 'SIGKILL');
    await within(exited, EXIT_TIMEOUT_MS);
    shell.stdin?.end();
    // The JVM stops when the server's pipe to it closes; the next start must not meet it.
    const deadline = Date.now() + EXIT_TIMEOUT_MS;
    while (dynamoDbLocalPids(options.dataDir).length > 0 && Date.now() < deadline) await sleep(100);
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let ready: RegExpExecArray | null = null;
  while (!ready && !ended() && Date.now() < deadline) {
    await sleep(100);
    ready = /ready on (http:\/\/\S+)\/api /.exec(output);
  }
  if (!ready) {
    await kill();
    throw new Error(`the server did not start on ${options.dataDir}:\n${output}`);
  }
  const server: ServerProcess = {
    url: ready[1] ?? '',
    output: () => output,
    kill: () => kill().finally(() => live.delete(server)),
  };
  live.add(server);
  return server;
}

/**
 * Data directories and servers of a test file: `dataDir()` makes a fresh directory; after the
 * file every server still running is killed and every directory removed, whether tests passed
 * or not.
 */
export function useServerProcesses() {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all([...live].map((server) => server.kill()));
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  return {
    dataDir: (): string => {
      const dir = mkdtempSync(join(tmpdir(), 'conduit-server-'));
      dirs.push(dir);
      return dir;
    },
    start: startServerProcess,
  };
}
