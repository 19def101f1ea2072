/**
 * Load from autocannon in a process of its own (so the generator does not share an event loop with
 * the runtime it measures): a warm-up run that is thrown away, then a fixed number of requests.
 * Latencies are autocannon's over every response: a figure with any non-2xx answer is marked as
 * such by its `non2xx` count and must not be quoted.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fromRoot } from '../../schemas/paths.ts';

export interface LoadOptions {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly connections: number;
  /** Measured requests (after the warm-up). */
  readonly amount: number;
  /** Warm-up requests, not measured. */
  readonly warmUp: number;
}

export interface LoadResult {
  readonly connections: number;
  readonly requests: number;
  readonly non2xx: number;
  /** Answers by status code, e.g. { "200": 2000 }. */
  readonly statuses: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
}

interface AutocannonJson {
  readonly requests: { readonly total: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly statusCodeStats?: Record<string, { readonly count: number }>;
  readonly latency: {
    readonly mean: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
}

const run = promisify(execFile);
const AUTOCANNON = fromRoot('node_modules/autocannon/autocannon.js');

async function autocannon(options: LoadOptions, amount: number): Promise<AutocannonJson> {
  const args = [
    AUTOCANNON,
    '--json',
    '--connections',
    String(options.connections),
    '--amount',
    String(amount),
    '--method',
    options.method ?? 'GET',
    ...Object.entries(options.headers ?? {}).flatMap(([name, value]) => ['--headers', `${name}=${value}`]),
    ...(options.body === undefined ? [] : ['--body', options.body]),
    options.url,
  ];
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout) as AutocannonJson;
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  if (options.warmUp > 0) await autocannon(options, options.warmUp);
  const result = await autocannon(options, options.amount);
  return {
    connections: options.connections,
    requests: result.requests.total,
    non2xx: result.non2xx,
    statuses: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [status, count]),
    ),
    errors: result.errors + result.timeouts,
    // Each connection sends its next request when the last is answered: throughput is the
    // connections over the mean latency. autocannon's own duration ends on its 1 s tick, which a
    // run of a few seconds cannot afford.
    requestsPerSecond: (options.connections * 1000) / result.latency.mean,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
  };
}
