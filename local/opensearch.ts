/**
 * Starts one OpenSearch 2.19.6 node (the version of the CDK domain) for the local runtime and the
 * tests: Maven resolves the server and its modules into the user's Maven repository and compiles the
 * small launcher in local/opensearch/ (a `Node` subclass with the Netty transport and the common
 * analysis plugins), then the node runs in its own JVM on 127.0.0.1 and a free port, and stops with
 * this process: it exits when its standard input reaches end of file, which happens however this
 * process ends, as DynamoDB Local's watchdog does (local/dynamodb-local.ts).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { checkJava, JavaMissingError } from './dynamodb-local.ts';

const LAUNCHER_DIR = join(import.meta.dirname, 'opensearch');
const LAUNCHER_SOURCE = join(LAUNCHER_DIR, 'src/main/java/conduit/opensearch/LocalOpenSearch.java');
const BUILD_DIR = join(LAUNCHER_DIR, 'target');
/** Written by the build (maven-dependency-plugin): the jars of the server and its modules. */
const CLASSPATH_FILE = join(BUILD_DIR, 'classpath.txt');
const MAIN_CLASS = 'conduit.opensearch.LocalOpenSearch';
/** What the launcher prints, followed by the node's URL, once it answers (LocalOpenSearch.READY). */
const READY = 'OpenSearch ready on ';
/** A first start on a fresh machine downloads the jars first. */
const START_TIMEOUT_MS = 180_000;

const STOP_TIMEOUT_MS = 20_000;

/**
 * Heap of the node. The distribution's default is 1 GB; a local index of a few thousand articles
 * needs far less, and a smaller heap leaves the 2-core machines' memory to the rest.
 */
const JAVA_OPTIONS = [
  '-Xms256m',
  '-Xmx512m',
  // From the distribution's jvm.options: logging stops with the node, not before it.
  '-Dlog4j.shutdownHookEnabled=false',
  '-Dlog4j2.disable.jmx=true',
  '-XX:+UseG1GC',
];

export interface LocalOpenSearch {
  readonly url: string;
  /** Resolves when the JVM has ended, for whatever reason, with its exit code or signal. */
  readonly exited: Promise<string>;
  stop(): Promise<void>;
}

/** Java 17+ with its compiler, and Maven, or one line that says what to install. */
export function checkOpenSearchPrerequisites(): void {
  checkJava('OpenSearch');
  const compiler = spawnSync('javac', ['-version'], { encoding: 'utf8' });
  if (compiler.error || compiler.status !== 0) {
    throw new JavaMissingError(
      'OpenSearch needs a JDK (javac) to build its launcher and none was found: install a JDK 17 or newer (e.g. apt-get install openjdk-17-jdk-headless).',
    );
  }
  const maven = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  if (maven.error || maven.status !== 0) {
    throw new JavaMissingError(
      'OpenSearch is resolved and built with Maven and `mvn` was not found on PATH: install Maven 3.6 or newer (e.g. apt-get install maven).',
    );
  }
}

const modified = (path: string): number => statSync(path).mtimeMs;

/** Compiles the launcher and writes its classpath, unless a build newer than its sources exists. */
function buildLauncher(log: (line: string) => void): string[] {
  const upToDate =
    existsSync(CLASSPATH_FILE) &&
    modified(CLASSPATH_FILE) >= Math.max(modified(join(LAUNCHER_DIR, 'pom.xml')), modified(LAUNCHER_SOURCE));
  const classpath = () => [
    join(BUILD_DIR, 'classes'),
    ...readFileSync(CLASSPATH_FILE, 'utf8').trim().split(delimiter),
  ];
  // A jar removed from the Maven repository since the last build is fetched again.
  if (upToDate && classpath().every((entry) => existsSync(entry))) return classpath();
  log('OpenSearch: resolving 2.19.6 and building the launcher with Maven (first time: a minute or two)');
  const build = spawnSync('mvn', ['-B', '-q', 'compile'], { cwd: LAUNCHER_DIR, encoding: 'utf8' });
  if (build.error || build.status !== 0) {
    throw new Error(
      `Building the OpenSearch launcher failed (mvn compile in ${LAUNCHER_DIR}):\n${`${build.stdout}${build.stderr}`.slice(-3000)}`,
    );
  }
  return classpath();
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

/** Waits for the launcher's ready line; fails with its output if it exits or takes too long first. */
function readyUrl(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(
      () => reject(new Error(`OpenSearch did not start within ${START_TIMEOUT_MS / 1000} s: ${output()}`)),
      START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      pending += chunk.toString();
      const line = pending.split('\n').find((candidate) => candidate.startsWith(READY));
      if (!line) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve(line.slice(READY.length).trim());
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`OpenSearch ended (${describeExit(code, signal)}) before it was ready: ${output()}`));
    });
  });
}

/**
 * Starts a node whose data and logs live in `homeDir` (kept between starts) on `port`, or a free
 * one when omitted. Throws JavaMissingError when Java or Maven is missing.
 */
export async function startOpenSearch(options: {
  readonly homeDir: string;
  readonly port?: number;
  readonly log?: (line: string) => void;
}): Promise<LocalOpenSearch> {
  checkOpenSearchPrerequisites();
  const classpath = buildLauncher(options.log ?? (() => undefined));
  mkdirSync(options.homeDir, { recursive: true });
  const child = spawn(
    'java',
    [
      ...JAVA_OPTIONS,
      `-Djava.io.tmpdir=${options.homeDir}`,
      '-cp',
      classpath.join(delimiter),
      MAIN_CLASS,
      options.homeDir,
      String(options.port ?? 0),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-3000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(describeExit(code, signal))),
  );
  const stop = async () => {
    child.stdin?.end();
    // It closes its node in a second or two; one that hangs is not left behind.
    const kill = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(kill);
  };
  try {
    const url = await readyUrl(child, () => output);
    return { url, exited, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The `--search` option of `npm start`. */
export type SearchEngineChoice = 'embedded' | 'opensearch';

export function searchEngineChoice(value: string): SearchEngineChoice {
  if (value === 'embedded' || value === 'opensearch') return value;
  throw new Error(`--search takes embedded or opensearch, not ${JSON.stringify(value)}`);
}

/**
 * `opensearch` runs the runtime on a real OpenSearch, the one OPENSEARCH_URL names or else a node
 * started here with its data under `<dataDir>/opensearch` (returned, for the caller to stop);
 * `embedded` the in-process engine, unless OPENSEARCH_URL is set.
 */
export async function startSearchEngine(
  choice: SearchEngineChoice,
  dataDir: string,
  log: (line: string) => void,
): Promise<LocalOpenSearch | undefined> {
  if (choice === 'embedded' || process.env.OPENSEARCH_URL) return undefined;
  const engine = await startOpenSearch({ homeDir: join(dataDir, 'opensearch'), log });
  process.env.OPENSEARCH_URL = engine.url;
  return engine;
}
