/**
 * Load from autocannon in a process of its own (load-process.ts), so the generator does not share
 * an event loop with the runtime it measures: a warm-up run that is thrown away, then a fixed
 * number of requests. Throughput and latencies count 2xx answers only; the others are reported by
 * status (`non2xx`, `statuses`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fromRoot } from '../../schemas/paths.ts';
import type { LoadPlan, LoadProcessResult } from './load-process.ts';

export interface LoadResult {
  readonly connections: number;
  readonly requests: number;
  readonly non2xx: number;
  /** Answers by status code, e.g. { "200": 2000 }. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly errors: number;
  /** 2xx answers per second of the measured run's wall time. */
  readonly requestsPerSecond: number;
  /** Of the 2xx answers. */
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
}

const LOAD_PROCESS = fromRoot('test/bench/load-process.ts');

/** The load process, forked at the first load; it does not keep this process alive while idle. */
let generator: ChildProcess | undefined;

function run(plan: LoadPlan): Promise<LoadProcessResult> {
  generator ??= fork(LOAD_PROCESS, [], { execArgv: ['--import', 'tsx'], cwd: fromRoot('.') });
  const child = generator;
  child.ref();
  child.channel?.ref();
  return new Promise<LoadProcessResult>((resolve, reject) => {
    const failed = (how: unknown) => {
      generator = undefined;
      reject(new Error(`the load process ended: ${how}`));
    };
    child.once('exit', failed);
    child.once('message', (result) => {
      child.off('exit', failed);
      child.unref();
      child.channel?.unref();
      resolve(result as LoadProcessResult);
    });
    child.send(plan);
  });
}

/** The value below which `share` of the sorted values lie. */
const percentile = (sorted: readonly number[], share: number): number =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] ?? Number.NaN;

/** `amount` measured requests, after `warmUp` requests that are not. */
export async function load(options: LoadPlan): Promise<LoadResult> {
  const result = await run(options);
  const ok = result.okLatencies;
  return {
    connections: options.connections,
    requests: result.requests,
    non2xx: result.requests - ok.length,
    statuses: result.statuses,
    errors: result.errors,
    requestsPerSecond: ok.length / result.seconds,
    latencyMs: {
      p50: percentile(ok, 0.5),
      p90: percentile(ok, 0.9),
      p99: percentile(ok, 0.99),
      max: ok.at(-1) ?? Number.NaN,
    },
  };
}
