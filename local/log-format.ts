/**
 * The Lambda handlers' structured lines, readable in a terminal. The handlers log what they log in
 * AWS (Powertools JSON lines, EMF metric lines) to stdout; when stdout is a terminal, `npm start`
 * shows each as one compact line instead: time, level, function, correlation id, message and the
 * other keys, or the metrics with their values. Anything else passes unchanged.
 */

type Entry = Record<string, unknown>;

/** Keys every Powertools line carries that the compact line shows in its own place or drops. */
const SHOWN_KEYS = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'function_name',
  'correlation_id',
  'sampling_rate',
  'xray_trace_id',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_request_id',
]);

const time = (timestamp: unknown): string =>
  typeof timestamp === 'string' ? timestamp.slice(11, 23) : new Date().toISOString().slice(11, 23);

const correlation = (entry: Entry): string =>
  typeof entry.correlation_id === 'string' ? ` [${entry.correlation_id.slice(0, 8)}]` : '';

/** One compact line for a Powertools log or EMF line; undefined for anything else. */
export function compactLogLine(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  let entry: Entry;
  try {
    entry = JSON.parse(line) as Entry;
  } catch {
    return undefined;
  }
  const emf = entry._aws as
    | { Timestamp?: number; CloudWatchMetrics?: { Namespace: string; Metrics: { Name: string }[] }[] }
    | undefined;
  if (emf?.CloudWatchMetrics) {
    const values = emf.CloudWatchMetrics.flatMap((directive) =>
      directive.Metrics.map(
        (metric) => `${directive.Namespace}/${metric.Name}=${JSON.stringify(entry[metric.Name])}`,
      ),
    );
    return `${new Date(emf.Timestamp ?? Date.now()).toISOString().slice(11, 23)} METRIC ${String(entry.service ?? '')}${correlation(entry)} ${values.join(' ')}`;
  }
  if (typeof entry.level !== 'string' || !('message' in entry)) return undefined;
  const rest = Object.fromEntries(Object.entries(entry).filter(([key]) => !SHOWN_KEYS.has(key)));
  const details = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  const where = typeof entry.function_name === 'string' ? entry.function_name : String(entry.service ?? '');
  return `${time(entry.timestamp)} ${entry.level.padEnd(5)} ${where}${correlation(entry)} ${String(entry.message)}${details}`;
}

/** Rewrites the structured lines written to a terminal stream as compact ones. */
export function compactStructuredLogs(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const lines = text.split('\n');
    const rewritten = lines.map((line) => compactLogLine(line) ?? line);
    return write(rewritten.join('\n'), ...rest);
  }) as NodeJS.WriteStream['write'];
}
