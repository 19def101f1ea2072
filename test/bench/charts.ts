/**
 * The report's charts, drawn as SVG by Vega-Lite (compiled to Vega, rendered headless: no browser,
 * no network): requests/s of each read and its floors by connections, and p50/p99 latencies of the
 * reads and writes. Written beside docs/benchmarks.md, in docs/benchmarks/.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Timed } from './timed.ts';
import type { TimedWrite } from './writes.ts';

export interface Chart {
  /** File name in docs/benchmarks/. */
  readonly file: string;
  readonly title: string;
  readonly svg: string;
}

async function render(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const round = (value: number): number => Math.round(value * 10) / 10;

export async function drawCharts(timed: Timed, writes: readonly TimedWrite[]): Promise<Chart[]> {
  const throughput = [
    ...timed.floor.map((raw) => ({ request: 'raw DynamoDB GetItem (floor)', raw })),
    ...timed.searchFloor.map(({ query, result }) => ({
      request: `raw search, ${query} (floor)`,
      raw: result,
    })),
    ...timed.reads.map(({ name, result }) => ({ request: name, raw: result })),
  ].map(({ request, raw }) => ({
    request,
    connections: String(raw.connections),
    requestsPerSecond: round(raw.requestsPerSecond),
  }));
  const latencies = [
    ...timed.reads.map(({ name, result }) => ({ request: name, result })),
    ...writes.map(({ plan, mode, result }) => ({ request: `${plan} (${mode})`, result })),
  ].flatMap(({ request, result }) =>
    (['p50', 'p99'] as const).map((percentile) => ({
      request,
      connections: `${result.connections} connections`,
      percentile,
      ms: round(result.latencyMs[percentile]),
    })),
  );
  // A log scale with no explicit domain draws no axis labels: this one spans whole powers of ten.
  const rates = throughput.map(({ requestsPerSecond }) => Math.max(1, requestsPerSecond));
  const domain = [
    10 ** Math.floor(Math.log10(Math.min(...rates))),
    10 ** Math.ceil(Math.log10(Math.max(...rates))),
  ];
  const requestsPerSecond: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Requests per second (2xx), by read and connections; floors: raw calls',
    data: { values: throughput },
    mark: 'bar',
    encoding: {
      y: { field: 'request', type: 'nominal', sort: null, title: null, axis: { labelLimit: 300 } },
      yOffset: { field: 'connections' },
      x: {
        field: 'requestsPerSecond',
        type: 'quantitative',
        title: 'requests/s (log scale)',
        scale: { type: 'log', domain },
      },
      // On a log scale a bar cannot start at zero: it starts at the axis.
      x2: { datum: domain[0] },
      color: { field: 'connections', type: 'nominal', title: 'connections' },
    },
    width: 480,
  };
  const latency: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Latency of the 2xx answers, p50 and p99 (ms)',
    data: { values: latencies },
    mark: 'bar',
    encoding: {
      row: { field: 'connections', type: 'nominal', title: null },
      y: { field: 'request', type: 'nominal', sort: null, title: null, axis: { labelLimit: 300 } },
      yOffset: { field: 'percentile' },
      x: { field: 'ms', type: 'quantitative', title: 'ms' },
      color: { field: 'percentile', type: 'nominal', title: 'percentile' },
    },
    // Each concurrency on its own scale: at 100 connections latencies are an order of magnitude longer.
    resolve: { scale: { x: 'independent' } },
    width: 480,
  };
  return [
    { file: 'requests-per-second.svg', title: 'Requests per second', svg: await render(requestsPerSecond) },
    { file: 'latency.svg', title: 'Latency, p50 and p99', svg: await render(latency) },
  ];
}
