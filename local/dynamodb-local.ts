/**
 * Launches DynamoDB Local from the jar that the amplify-dynamodb-simulator package ships,
 * waits until it answers and stops it with the process (no orphan JVM).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

const MIN_JAVA_MAJOR = 17;

export interface DynamoDbLocalOptions {
  /** Directory for a persistent database; omitted means in-memory. */
  readonly dataDir?: string;
  /** Port to listen on; omitted picks a free one. */
  readonly port?: number;
}

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly port: number;
  /** Resolves when the process has ended, for whatever reason, with how ("killed by SIGKILL"). */
  readonly exited: Promise<string>;
  stop(): Promise<void>;
}

/** Credentials and region every local client uses; with -sharedDb they do not partition data anyway. */
export const localAwsConfig = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

export class JavaMissingError extends Error {}

/**
 * Runs java under a shell that stops it (SIGTERM) as soon as its stdin reaches end of file. Our
 * end of that pipe closes when we stop it or when this process ends in any way (even SIGKILL or a
 * crash), so the JVM never outlives us. The shell exits when java does, with its exit code.
 */
// Background jobs of a non-interactive shell read /dev/null, so the watcher reads a copy (fd 3) of stdin.
const WATCHDOG = 'exec 3<&0; java "$@" & pid=$!; (cat <&3 >/dev/null; kill $pid 2>/dev/null) & wait $pid';

function emulatorDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

/** Fails with one line that says what to install when java is missing or older than 17. */
export function checkJava(product = 'DynamoDB Local'): void {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new JavaMissingError(
      `${product} needs Java ${MIN_JAVA_MAJOR}+ on PATH and none was found: install a JDK/JRE ${MIN_JAVA_MAJOR} or newer (e.g. apt-get install openjdk-17-jre-headless).`,
    );
  }
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  const major = match ? Number(match[1] === '1' ? match[2] : match[1]) : 0;
  if (major < MIN_JAVA_MAJOR) {
    throw new JavaMissingError(
      `${product} needs Java ${MIN_JAVA_MAJOR}+ but found Java ${major || 'of unknown version'}: install a JDK/JRE ${MIN_JAVA_MAJOR} or newer.`,
    );
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });
}

async function waitUntilReady(endpoint: string, child: ChildProcess, output: () => string): Promise<void> {
  const client = new DynamoDBClient({ ...localAwsConfig, endpoint, maxAttempts: 1 });
  const deadline = Date.now() + 30_000;
  try {
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${output()}`);
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`DynamoDB Local did not answer on ${endpoint} within 30 s: ${output()}`);
  } finally {
    client.destroy();
  }
}

/** How the watchdog shell ended; it exits with java's status, 128 + n when signal n ended java. */
function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `killed by ${signal}`;
  const javaSignal = Object.entries(constants.signals).find(([, number]) => number === (code ?? 0) - 128);
  return javaSignal ? `killed by ${javaSignal[0]}` : `exit code ${code}`;
}

export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  checkJava();
  const dir = emulatorDir();
  const port = options.port ?? (await freePort());
  const storage = options.dataDir ? ['-sharedDb', '-dbPath', options.dataDir] : ['-inMemory'];
  // It writes dynamodb-local-metadata.json into its working directory: keep that in the data dir.
  const cwd = options.dataDir ?? join(process.cwd(), '.local');
  mkdirSync(cwd, { recursive: true });
  const javaArguments = [
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    '-disableTelemetry',
    ...storage,
  ];
  const child = spawn('sh', ['-c', WATCHDOG, 'dynamodb-local', ...javaArguments], {
    cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-2000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(describeExit(code, signal))),
  );

  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.stdin?.end();
    await exited;
  };
  try {
    await waitUntilReady(endpoint, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { endpoint, port, exited, stop };
}
