/**
 * Writes under load: favorite/unfavorite pairs, comments and new articles (also each sent with an
 * Idempotency-Key, side by side with the unkeyed ones), each request on a fresh target (load-process.ts), timed by the same generator as the reads. Run on a runtime with
 * `asyncEvents` this is the production path (a write answers before its stream events are
 * processed); on a read-your-writes runtime every write also waits for the events of every write
 * before it (settle mode), reported apart.
 */
import type { Runtime } from '../../local/runtime.ts';
import { type LoadResult, load } from './load.ts';
import type { WritePlan } from './load-process.ts';

export type WriteMode = 'async events' | 'settle';

export interface TimedWrite {
  readonly plan: WritePlan;
  readonly mode: WriteMode;
  readonly result: LoadResult;
}

export interface WriteOptions {
  readonly connections: readonly number[];
  /** Measured requests per figure. */
  readonly amount: number;
}

/** The users who write (one per connection at most, so their writes in flight never collide) and their articles. */
export interface Writers {
  readonly tokens: readonly string[];
  readonly slugs: readonly string[];
}

const PLANS: readonly WritePlan[] = ['favorite pairs', 'comment', 'create article', 'create article, keyed'];

export async function timeWrites(
  runtime: Runtime,
  mode: WriteMode,
  writers: Writers,
  options: WriteOptions,
  progress: (step: string) => void,
): Promise<TimedWrite[]> {
  const timed: TimedWrite[] = [];
  for (const connections of options.connections) {
    for (const plan of PLANS) {
      progress(`${plan} (${mode}), ${connections} connections, ${options.amount} requests`);
      const result = await load({
        url: runtime.url,
        connections,
        amount: options.amount,
        warmUp: Math.min(options.amount, connections * 5),
        write: { plan, ...writers },
      });
      // Settle mode leaves nothing behind; the production path's events finish before the next figure.
      await runtime.events.settle();
      timed.push({ plan, mode, result });
    }
  }
  return timed;
}
