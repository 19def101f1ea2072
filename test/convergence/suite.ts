/**
 * The convergence properties: after any workload of concurrent commands in --async-events mode,
 * with or without the server killed and restarted on its data at a random point, once the events
 * have drained the derived data (feeds, search index, tags, clean-up) is exactly what the source
 * tables say (ops/verify-data.ts finds nothing), the stream poller dead-lettered no batch, and no
 * request got a 5xx or an unexpected status.
 *
 * The same arbitraries back `npm test` (fixed seed, a few runs) and `npm run test:soak` (many
 * runs), so a failure of either replays in the soak with the seed and path it prints. The seed
 * fixes the commands and the crash point, not the interleaving of the concurrent requests and
 * events: a replay reruns the same workload, which fails again only as often as the race it met.
 */
import { describe, it } from '@jest/globals';
import fc from 'fast-check';
import { embeddedArticleSearch } from '../../lambdas/shared/search/embedded.ts';
import type { DeadLetter } from '../../local/stream-poller.ts';
import { findingLines } from '../../ops/report-lines.ts';
import { type VerifyOptions, verifyData } from '../../ops/verify-data.ts';
import { localTarget } from '../../ops/verify-targets.ts';
import { apiClient, useTestRuntime } from '../support/runtime.ts';
import { type ServerProcess, useServerProcesses } from '../support/server-process.ts';
import { runWorkload, summarize, type WorkloadRun, workloadArbitrary } from './workload.ts';

/** How long a property runs. */
export interface PropertySettings {
  readonly runs: number;
  /** No run starts after this many ms (the one in progress finishes). */
  readonly budgetMs?: number;
  /** Jest's limit for the property's test. */
  readonly timeoutMs: number;
}

export interface ConvergenceSettings {
  /** Workloads run against an in-process runtime (no process to start: about 2 s each). */
  readonly inProcess: PropertySettings;
  /** Workloads against a server in a child process, SIGKILLed and restarted once each (about 30 s). */
  readonly crash: PropertySettings;
  /** undefined: a random seed (printed). */
  readonly seed?: number;
  /** Replays one run of a failure report (needs its seed). */
  readonly path?: string;
}

/** Bursts of 3–8 concurrent commands; 6–12 of them make 18–96 commands a run. */
const workloads = workloadArbitrary({ min: 6, max: 12 });
/** The kill lands `delayMs` into burst `afterBurst` (modulo the bursts): mid-requests, or between bursts. */
const crashes = fc.record({ afterBurst: fc.nat({ max: 99 }), delayMs: fc.integer({ min: 0, max: 500 }) });

const ASYNC_TEST = 'async events, in-process runtime';
const CRASH_TEST = 'async events, server SIGKILLed and restarted on its data';

/** Request lines are the bulk of a runtime's log; workflow failures and poller errors are the rest. */
const isRequestLine = (line: string): boolean => /^(GET|POST|PUT|DELETE|OPTIONS) \//.test(line);

/** What a run left to check: the tables and index, the batches the poller gave up on, the log. */
interface RunResult {
  readonly verify: VerifyOptions;
  readonly deadLetters: readonly DeadLetter[];
  readonly log: () => string;
}

/** Throws what went wrong in a run: unexpected statuses, unanswered requests, dead letters, findings. */
async function checkRun(run: WorkloadRun, { verify, deadLetters, log }: RunResult): Promise<string> {
  const report = await verifyData(verify);
  const problems = [
    ...run.failures.map(
      (outcome) => `${outcome.request}: ${outcome.status ?? `no answer (${outcome.error})`}`,
    ),
    ...deadLetters.map(
      (letter) =>
        `dead letter ${letter.id}: ${letter.workflow} failed ${letter.attempts} times, ${letter.error}: ${letter.cause}`,
    ),
    ...(report.findings.length ? findingLines(report) : []),
  ];
  if (problems.length > 0) {
    throw new Error(`${problems.join('\n')}\n-- requests: ${summarize(run.outcomes)}\n-- log:\n${log()}`);
  }
  return `${report.checked.articles} articles, ${report.checked.feedEntries} feed entries, ${report.checked.searchDocuments} search documents: no findings`;
}

/** Runs a property; prints a line per run, and on failure the seed, path and replay command. */
async function assertProperty<T>(
  testName: string,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<string>,
  { runs, budgetMs }: PropertySettings,
  { seed, path }: ConvergenceSettings,
): Promise<void> {
  const deadline = budgetMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + budgetMs;
  const lines: string[] = [];
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (value) => {
      if (Date.now() > deadline) return;
      const started = Date.now();
      lines.push(
        `  run ${lines.length + 1}: ${await predicate(value)} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    }),
    // A run takes seconds: report the first failing one as drawn, without shrinking. A replay (path)
    // runs that one run only; fast-check would go on with the runs after it.
    { numRuns: path === undefined ? runs : 1, seed, path, endOnFailure: true },
  );
  console.log(`${testName}: seed ${details.seed}, ${lines.length} runs\n${lines.join('\n')}`);
  if (details.failed) {
    const replay = `SOAK_SEED=${details.seed} SOAK_PATH=${details.counterexamplePath} npm run test:soak -- -t '${testName}'`;
    const error = details.errorInstance;
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}\n\n${fc.defaultReportMessage(details)}\n\nreplay: ${replay}`,
    );
  }
}

export function convergenceTests(settings: ConvergenceSettings): void {
  describe(ASYNC_TEST, () => {
    const { runtime, db, api } = useTestRuntime({ asyncEvents: true });

    it(
      'converges after every workload',
      async () => {
        await assertProperty(
          ASYNC_TEST,
          workloads,
          async (workload) => {
            const run = await runWorkload(api, workload);
            await runtime().events.settle();
            const verified = await checkRun(run, {
              verify: { db: db(), tableNames: runtime().tableNames, search: embeddedArticleSearch },
              deadLetters: runtime().events.deadLetters(),
              log: () =>
                runtime()
                  .logLines.filter((line) => !isRequestLine(line))
                  .slice(-50)
                  .join('\n'),
            });
            return `${workload.users} users, ${run.outcomes.length} requests (${summarize(run.outcomes)}); ${verified}`;
          },
          settings.inProcess,
          settings,
        );
      },
      settings.inProcess.timeoutMs,
    );
  });

  describe(CRASH_TEST, () => {
    const servers = useServerProcesses();

    it(
      'converges after every workload, whatever the kill interrupted',
      async () => {
        await assertProperty(
          CRASH_TEST,
          fc.tuple(workloads, crashes),
          async ([workload, crash]) => {
            const dataDir = servers.dataDir();
            let server: ServerProcess = await servers.start({ dataDir, asyncEvents: true });
            const api = apiClient(() => server.url);
            const burst = crash.afterBurst % workload.bursts.length;
            const outputs: string[] = [];
            const serverLog = () =>
              [...outputs, server.output()]
                .map((output) =>
                  output
                    .split('\n')
                    .filter((line) => !isRequestLine(line))
                    .slice(-50)
                    .join('\n'),
                )
                .join('\n-- killed; restarted:\n');
            try {
              const run = await runWorkload(api, workload, {
                interruption: {
                  burst,
                  delayMs: crash.delayMs,
                  run: async () => {
                    await server.kill();
                    outputs.push(server.output());
                    server = await servers.start({ dataDir, asyncEvents: true });
                  },
                },
              });
              const settled = await fetch(`${server.url}/_local/events/settle`, { method: 'POST' });
              if (!settled.ok) throw new Error(`POST /_local/events/settle: ${settled.status}`);
              const letters = await fetch(`${server.url}/_local/events/dead-letters`);
              const { deadLetters } = (await letters.json()) as { deadLetters: DeadLetter[] };
              const target = await localTarget(server.url);
              try {
                const verified = await checkRun(run, { verify: target.options, deadLetters, log: serverLog });
                return `${workload.users} users, ${run.outcomes.length} requests (${summarize(run.outcomes)}), killed ${crash.delayMs} ms into burst ${burst + 1} of ${workload.bursts.length} with ${run.interrupted.length} requests unanswered; ${verified}`;
              } finally {
                target.close();
              }
            } finally {
              await server.kill();
            }
          },
          settings.crash,
          settings,
        );
      },
      settings.crash.timeoutMs,
    );
  });
}
