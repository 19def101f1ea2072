/**
 * The load generator's own process (load.ts starts it): autocannon, a warm-up run that is thrown
 * away, then the measured run. Latencies and throughput are over 2xx answers only; every other
 * answer is counted by status. Writes need a fresh target per request: a `plan` names how each
 * request is made (setupRequest), from the tokens and slugs it is given.
 * It is forked once (load.ts) and answers each LoadPlan message with a LoadProcessResult; it ends
 * when its parent does.
 */
import autocannon, { type Request } from 'autocannon';

export type WritePlan = 'favorite pairs' | 'comment' | 'create article' | 'create article, keyed';

export interface LoadPlan {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly connections: number;
  readonly amount: number;
  readonly warmUp: number;
  /** Writes: how each request is made, as which user (`Token …`) on which article. */
  readonly write?: {
    readonly plan: WritePlan;
    readonly tokens: readonly string[];
    readonly slugs: readonly string[];
  };
}

export interface LoadProcessResult {
  readonly requests: number;
  readonly statuses: Record<string, number>;
  readonly errors: number;
  readonly seconds: number;
  /** Latencies of the 2xx answers, ms, ascending. */
  readonly okLatencies: number[];
}

const run = `${process.pid.toString(36)}${Date.now().toString(36)}`;
let made = 0;

/** What a unit of work targets, kept in autocannon's per-cycle context for its later requests. */
interface Target {
  unit: number;
  token: string;
  slug: string;
}

/** The requests of a write plan; each cycle through them is one unit of work (`context` is per cycle). */
function writeRequests(write: NonNullable<LoadPlan['write']>): Request[] {
  const { tokens, slugs } = write;
  const json = (token: string) => ({ 'Content-Type': 'application/json', Authorization: `Token ${token}` });
  // Unit k: user k mod users on article ⌊k / users⌋ mod articles, so the units in flight at once
  // touch distinct (user, article) pairs while users × articles exceeds the connections.
  const target = (context: object) => {
    const unit = made++;
    const chosen = {
      unit,
      token: tokens[unit % tokens.length] ?? '',
      slug: slugs[Math.floor(unit / tokens.length) % slugs.length] ?? '',
    };
    return Object.assign(context as Target, chosen);
  };
  switch (write.plan) {
    case 'favorite pairs':
      return [
        {
          method: 'POST',
          setupRequest: (request, context) => {
            const { token, slug } = target(context);
            return { ...request, path: `/api/articles/${slug}/favorite`, headers: json(token) };
          },
        },
        {
          method: 'DELETE',
          setupRequest: (request, context) => {
            const { token, slug } = context as Target;
            return { ...request, path: `/api/articles/${slug}/favorite`, headers: json(token) };
          },
        },
      ];
    case 'comment':
      return [
        {
          method: 'POST',
          setupRequest: (request, context) => {
            const { unit, token, slug } = target(context);
            return {
              ...request,
              path: `/api/articles/${slug}/comments`,
              headers: json(token),
              body: JSON.stringify({ comment: { body: `Timed comment ${run} ${unit}` } }),
            };
          },
        },
      ];
    case 'create article':
    case 'create article, keyed':
      return [
        {
          method: 'POST',
          setupRequest: (request, context) => {
            const { unit, token } = target(context);
            const article = {
              title: `Timed ${run} ${unit}`,
              description: 'd',
              body: 'b',
              tagList: ['timed'],
            };
            // Keyed: each article under a key of its own, as a client that may retry sends it.
            const key =
              write.plan === 'create article, keyed' ? { 'Idempotency-Key': `timed-${run}-${unit}` } : {};
            return {
              ...request,
              path: '/api/articles',
              headers: { ...json(token), ...key },
              body: JSON.stringify({ article }),
            };
          },
        },
      ];
  }
}

async function once(plan: LoadPlan, amount: number): Promise<LoadProcessResult> {
  const statuses: Record<string, number> = {};
  const okLatencies: number[] = [];
  let started = performance.now();
  let lastAnswer = started;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: plan.url,
        connections: plan.connections,
        amount,
        method: plan.method ?? 'GET',
        headers: { ...plan.headers },
        ...(plan.body === undefined ? {} : { body: plan.body }),
        ...(plan.write ? { requests: writeRequests(plan.write) } : {}),
        // Its statistics tick (1 s by default) is when a run ends: a short tick ends it on time.
        sampleInt: 10,
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    instance.on('start', () => {
      started = performance.now();
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      lastAnswer = performance.now();
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) okLatencies.push(responseTime);
    });
  });
  return {
    requests: result.requests.total,
    statuses,
    errors: result.errors + result.timeouts,
    seconds: (lastAnswer - started) / 1000,
    okLatencies: okLatencies.sort((a, b) => a - b),
  };
}

process.on('message', async (plan: LoadPlan) => {
  if (plan.warmUp > 0) await once(plan, plan.warmUp);
  process.send?.(await once(plan, plan.amount));
});
process.on('disconnect', () => process.exit(0));
