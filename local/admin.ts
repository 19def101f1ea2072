/**
 * Operator routes of the local runtime, under /_local/: what tools outside the server process
 * (`npm run verify-data`, tests driving a server in a child process) need from inside it — the
 * DynamoDB endpoint and table names, the embedded search index, the stream events. They exist only
 * here: the CDK app has no such routes. Unauthenticated, like everything else on this loopback
 * server. Add a route by adding an entry to `adminRoutes`.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { ArticleSearch } from '../lambdas/shared/search/article-search.ts';
import type { TableId } from '../schemas/tables.ts';
import { executionList, executionPage, mermaid } from './execution-viewer.ts';
import { type FaultInjector, FaultSpecError, parseFaultSpec } from './faults.ts';
import type { StreamPoller } from './stream-poller.ts';
import type { LocalWorkflows } from './workflows.ts';

export const ADMIN_PATH_PREFIX = '/_local/';

export interface AdminContext {
  readonly dynamoDbEndpoint: string;
  readonly tableNames: Readonly<Record<TableId, string>>;
  /** The server's search index (the process-wide embedded engine unless OPENSEARCH_URL is set). */
  readonly search: () => Promise<ArticleSearch>;
  /** The stream delivery (local/stream-poller.ts). */
  readonly events: Pick<StreamPoller, 'settle' | 'deadLetters' | 'replayDeadLetters'>;
  /** The faults the runtime injects (local/faults.ts). */
  readonly faults: FaultInjector;
  /** The workflow runner: which Retry and Catch clauses handled which errors, its recent executions. */
  readonly workflows: Pick<LocalWorkflows, 'handledErrors' | 'executions'>;
}

export interface AdminRequest {
  /** The `{name}` segments of the route's path. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The JSON body; undefined when there is none. */
  readonly body: unknown;
}

export interface AdminReply {
  readonly statusCode: number;
  /** JSON unless they say otherwise. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface AdminRoute {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Path below /_local/, with `{name}` for a path segment, e.g. `search/documents/{id}`. */
  readonly path: string;
  handle(request: AdminRequest, context: AdminContext): Promise<AdminReply>;
}

/** The handler the gateway calls for every request: a reply for /_local/ paths, undefined for the rest. */
export type LocalAdmin = (request: IncomingMessage, url: URL) => Promise<AdminReply | undefined>;

const json = (statusCode: number, value: unknown): AdminReply => ({
  statusCode,
  body: JSON.stringify(value),
});
const noContent: AdminReply = { statusCode: 204, body: '' };
const html = (body: string): AdminReply => ({
  statusCode: 200,
  headers: { 'Content-Type': 'text/html; charset=utf-8' },
  body,
});
/** The execution viewer's pages are HTML; `?format=json` answers what they show as JSON. */
const wantsJson = (query: URLSearchParams): boolean => query.get('format') === 'json';
const error = (statusCode: number, field: string, message: string): AdminReply =>
  json(statusCode, { errors: { [field]: [message] } });

const searchDocument = z.object({
  id: z.string().min(1),
  title: z.string(),
  description: z.string(),
  body: z.string(),
  tagList: z.array(z.string()),
  authorId: z.string().min(1),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

const replayRequest = z.object({ ids: z.array(z.string()).optional() }).optional();

const faultsRequest = z.object({ spec: z.string(), seed: z.number().int().optional() });

const pageNumber = (value: string | null, fallback: number): number | undefined => {
  if (value === null) return fallback;
  const number = Number(value);
  return Number.isInteger(number) && number >= 0 ? number : undefined;
};

export const adminRoutes: readonly AdminRoute[] = [
  {
    method: 'GET',
    path: 'runtime',
    handle: async (_request, { dynamoDbEndpoint, tableNames }) => json(200, { dynamoDbEndpoint, tableNames }),
  },
  {
    method: 'GET',
    path: 'search/documents',
    handle: async (_request, context) => {
      const documents = [];
      for await (const page of (await context.search()).documents()) documents.push(...page);
      return json(200, { documents });
    },
  },
  {
    method: 'PUT',
    path: 'search/documents/{id}',
    handle: async ({ parameters, body }, context) => {
      const parsed = searchDocument.safeParse(body);
      if (!parsed.success) return error(422, 'document', parsed.error.message);
      if (parsed.data.id !== parameters.id) return error(422, 'id', 'must be the id of the path');
      await (await context.search()).upsert(parsed.data);
      return noContent;
    },
  },
  {
    method: 'DELETE',
    path: 'search/documents/{id}',
    handle: async ({ parameters }, context) => {
      await (await context.search()).remove(parameters.id ?? '');
      return noContent;
    },
  },
  {
    method: 'GET',
    path: 'search/articles',
    handle: async ({ query }, context) => {
      const limit = pageNumber(query.get('limit'), 20);
      const offset = pageNumber(query.get('offset'), 0);
      if (limit === undefined || offset === undefined) {
        return error(422, 'query', 'limit and offset must be non-negative integers');
      }
      const tag = query.get('tag') ?? undefined;
      return json(200, await (await context.search()).list({ tag, limit, offset }));
    },
  },
  {
    method: 'GET',
    path: 'search/tags',
    handle: async (_request, context) => json(200, { tags: await (await context.search()).tags() }),
  },
  {
    method: 'GET',
    path: 'faults',
    handle: async (_request, { faults, workflows }) => {
      const handled = workflows.handledErrors();
      return json(200, {
        seed: faults.seed,
        rules: faults.active,
        injected: faults.injected(),
        handled: { byClause: Object.fromEntries(handled.byClause), recent: handled.recent },
      });
    },
  },
  {
    method: 'PUT',
    path: 'faults',
    handle: async ({ body }, { faults }) => {
      const parsed = faultsRequest.safeParse(body);
      if (!parsed.success) return error(422, 'body', parsed.error.message);
      try {
        faults.set(parseFaultSpec(parsed.data.spec), parsed.data.seed);
      } catch (failure) {
        if (failure instanceof FaultSpecError) return error(422, 'spec', failure.message);
        throw failure;
      }
      return json(200, { seed: faults.seed, rules: faults.active });
    },
  },
  {
    method: 'DELETE',
    path: 'faults',
    handle: async (_request, { faults }) => {
      faults.clear();
      return noContent;
    },
  },
  {
    method: 'GET',
    path: 'executions',
    handle: async ({ query }, { workflows }) =>
      wantsJson(query)
        ? json(200, { executions: workflows.executions.list() })
        : html(executionList(workflows.executions)),
  },
  {
    method: 'GET',
    path: 'executions/{name}',
    handle: async ({ parameters, query }, { workflows }) => {
      const execution = workflows.executions.get(parameters.name ?? '');
      if (!execution) return error(404, 'execution', 'is not among the recent executions');
      return wantsJson(query)
        ? json(200, { execution, started: workflows.executions.children(execution.name) })
        : html(executionPage(execution, workflows.executions));
    },
  },
  {
    method: 'GET',
    path: 'assets/mermaid.min.js',
    handle: async () => ({
      statusCode: 200,
      headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'max-age=3600' },
      body: mermaid(),
    }),
  },
  {
    method: 'POST',
    path: 'events/settle',
    handle: async (_request, { events }) => {
      await events.settle();
      return json(200, { settled: true });
    },
  },
  {
    method: 'GET',
    path: 'events/dead-letters',
    handle: async (_request, { events }) => json(200, { deadLetters: events.deadLetters() }),
  },
  {
    method: 'POST',
    path: 'events/dead-letters/replay',
    handle: async ({ body }, { events }) => {
      const parsed = replayRequest.safeParse(body);
      if (!parsed.success) return error(422, 'body', parsed.error.message);
      const replayed = await events.replayDeadLetters(parsed.data?.ids);
      return json(200, { replayed, remaining: events.deadLetters().length });
    },
  },
];

const MAX_BODY_BYTES = 1024 * 1024;

async function readJson(request: IncomingMessage): Promise<{ body: unknown } | { reply: AdminReply }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return { reply: error(413, 'body', 'too large') };
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return { body: undefined };
  try {
    return { body: JSON.parse(text) };
  } catch {
    return { reply: error(400, 'body', 'is not JSON') };
  }
}

const compiled = adminRoutes.map((route) => {
  const names: string[] = [];
  const source = route.path.replace(/\{([^}]+)\}/g, (_match, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, names, pattern: new RegExp(`^${ADMIN_PATH_PREFIX}${source}/?$`) };
});

export function createLocalAdmin(context: AdminContext): LocalAdmin {
  return async (request, url) => {
    if (!url.pathname.startsWith(ADMIN_PATH_PREFIX)) return undefined;
    const method = request.method ?? 'GET';
    for (const { route, names, pattern } of compiled) {
      const found = pattern.exec(url.pathname);
      if (!found || route.method !== method) continue;
      const parameters = Object.fromEntries(
        names.map((name, index) => [name, decodeURIComponent(found[index + 1] ?? '')]),
      );
      const read = await readJson(request);
      if ('reply' in read) return read.reply;
      return route.handle({ parameters, query: url.searchParams, body: read.body }, context);
    }
    return error(404, 'route', `no admin route ${method} ${url.pathname}`);
  };
}
