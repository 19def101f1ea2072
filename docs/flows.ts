/**
 * Renders docs/flows.md, a feature seen whole: every route and its target; for every workflow its
 * states (a Mermaid diagram), the items it reads and writes with their key patterns (from the Task
 * parameters) and the stream events its writes cause (the Pipe filters of schemas/events.ts, run
 * by the local poller's matcher on the key and the literal values the write sets). Everything
 * comes from the registries and the ASL files (read through schemas/asl.ts); `npm run docs:flows`
 * writes the file and test/unit/flows-doc.test.ts fails when the committed one is stale.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { dynamicTaskAccess } from '../cdk/dynamic-task-access.ts';
import { compileFilterCriteria } from '../local/event-patterns.ts';
import { type AslMachine, allStates, loadWorkflow, taskResource } from '../schemas/asl.ts';
import { aslFlowchart } from '../schemas/asl-diagram.ts';
import { type EventSourceDefinition, eventSources } from '../schemas/events.ts';
import { functionSubstitution, functions } from '../schemas/functions.ts';
import { framed, ownStates } from '../schemas/idempotency-frame.ts';
import { fromRoot } from '../schemas/paths.ts';
import { type Route, routes } from '../schemas/routes.ts';
import { type TableId, tableSubstitution, tables } from '../schemas/tables.ts';
import {
  type WorkflowDefinition,
  workflowFile,
  workflowSubstitution,
  workflows,
} from '../schemas/workflows.ts';

export const FLOWS_FILE = 'docs/flows.md';

type Parameters = Readonly<Record<string, unknown>>;
type EventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** One item access of a Task: what it does to which items. */
interface Access {
  readonly state: string;
  readonly operation: string;
  readonly table: TableId;
  readonly index?: string;
  /** Key pattern, e.g. `pk = favorites#{slugMarker.articleId}, sk = {auth.userId}`. */
  readonly key: string;
  /** Literal partition key prefix (`favorites#`), undefined when the key is built at run time. */
  readonly prefix?: string;
  /** Stream events a write can cause; none for a read. */
  readonly events: readonly EventName[];
  /** Attributes a write sets to a literal (DynamoDB JSON): what its record's NewImage shows of them. */
  readonly newImage?: Parameters;
}

const EVENTS_OF: Readonly<Record<string, readonly EventName[]>> = {
  Put: ['INSERT', 'MODIFY'],
  Update: ['MODIFY', 'INSERT'],
  Delete: ['REMOVE'],
  ConditionCheck: [],
  Get: [],
};

/**
 * The stream events of a write, narrowed by its condition: an item that must exist
 * (`attribute_exists(pk)`) is not inserted, one that must not (`attribute_not_exists(pk)`) not modified.
 */
function writeEvents(operation: string, body: Parameters): readonly EventName[] {
  const events = EVENTS_OF[operation] ?? [];
  const condition = String(body.ConditionExpression ?? '');
  if (/\bOR\b/.test(condition)) return events;
  const terms = condition.split(/\s+AND\s+/);
  if (terms.includes('attribute_exists(pk)')) return events.filter((event) => event !== 'INSERT');
  if (terms.includes('attribute_not_exists(pk)')) return events.filter((event) => event !== 'MODIFY');
  return events;
}

const isLiteral = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && !Object.keys(value).some((key) => key.endsWith('.$'));

/** What a write sets to literal values: a Put's literal attributes, an Update's `SET name = :literal`. */
function literalAttributes(operation: string, body: Parameters): Parameters | undefined {
  const set: Record<string, unknown> = {};
  if (operation === 'Put' && body.Item) {
    for (const [name, value] of Object.entries(body.Item as Parameters))
      if (isLiteral(value)) set[name] = value;
  }
  const clause = /\bSET\s+(.+?)(?=\s+(?:ADD|REMOVE|DELETE)\s|$)/.exec(
    String(body.UpdateExpression ?? ''),
  )?.[1];
  const names = (body.ExpressionAttributeNames ?? {}) as Readonly<Record<string, string>>;
  const values = (body.ExpressionAttributeValues ?? {}) as Parameters;
  for (const assignment of clause?.split(',') ?? []) {
    const [, name = '', value = ''] = /^\s*([#\w]+)\s*=\s*(:\w+)\s*$/.exec(assignment) ?? [];
    if (isLiteral(values[value])) set[names[name] ?? name] = values[value];
  }
  return Object.keys(set).length > 0 ? set : undefined;
}

const tableOfVariable = new Map(tables.map((table) => [tableSubstitution(table.id), table.id]));
const functionOfVariable = new Map(functions.map((fn) => [functionSubstitution(fn.name), fn.name]));
const workflowOfVariable = new Map(workflows.map((wf) => [workflowSubstitution(wf.name), wf.name]));
const variable = (value: unknown): string => /^\$\{([^}]+)\}/.exec(String(value))?.[1] ?? '';

/** `$.slugMarker.Item.articleId.S` → `slugMarker.articleId`: the path without DynamoDB's wrappers. */
const readablePath = (path: string): string =>
  path
    .replace(/^\$\.?/, '')
    .replace(/\.Item\b/g, '')
    .replace(/\.(S|N)$/, '');

/** A key attribute's value as a pattern: `{"S.$": "States.Format('user#{}', $.auth.userId)"}` → `user#{auth.userId}`. */
function valuePattern(value: unknown): string {
  const attribute = (value ?? {}) as Record<string, unknown>;
  const literal = attribute.S ?? attribute.N;
  if (typeof literal === 'string') return literal;
  const expression = String(attribute['S.$'] ?? attribute['N.$'] ?? '');
  const format = /^States\.Format\('((?:[^'\\]|\\.)*)'\s*,\s*(.+)\)$/.exec(expression);
  if (format) {
    const args = (format[2] ?? '').split(/\s*,\s*/);
    let next = 0;
    return (format[1] ?? '').replace(/\{\}/g, () => `{${readablePath(args[next++] ?? '')}}`);
  }
  return `{${readablePath(expression)}}`;
}

/** Where a run-time value comes from: the Lambda task whose result holds it, else its path. */
function producer(machine: AslMachine, path: unknown): string {
  const task = allStates(machine).find(
    ({ state }) =>
      String(path).startsWith(`${String(state.ResultPath)}.`) &&
      taskResource(state.Resource ?? '')?.kind === 'lambda',
  );
  const fn = task && functionOfVariable.get(variable(task.state.Parameters?.FunctionName));
  return fn ? `built by Lambda \`${fn}\`` : `built at run time (\`${String(path)}\`)`;
}

/** The key of a Key/Item object, or where it comes from when the object is built at run time. */
function keyOf(
  machine: AslMachine,
  body: Parameters,
  field: 'Key' | 'Item',
): { key: string; prefix?: string } {
  const object = body[field] as Parameters | undefined;
  if (!object) return { key: producer(machine, body[`${field}.$`]) };
  const pk = valuePattern(object.pk);
  const sk = 'sk' in object ? `, sk = ${valuePattern(object.sk)}` : '';
  const prefix = /^[a-z]+#/.exec(pk)?.[0];
  return { key: `pk = ${pk}${sk}`, ...(prefix ? { prefix } : {}) };
}

/** A query's key condition with its values in place: `pk = :partition` → `pk = {job.partition}`. */
function keyCondition(parameters: Parameters): { key: string; prefix?: string } {
  const values = (parameters.ExpressionAttributeValues ?? {}) as Parameters;
  const key = String(parameters.KeyConditionExpression).replace(/:[A-Za-z]+/g, (name) =>
    valuePattern(values[name]),
  );
  const prefix = /^pk = ([a-z]+#)/.exec(key)?.[1];
  return { key, ...(prefix ? { prefix } : {}) };
}

const pascal = (action: string): string => action.charAt(0).toUpperCase() + action.slice(1);

function accessesOf(workflow: WorkflowDefinition, machine: AslMachine): Access[] {
  return allStates(machine).flatMap(({ name: state, state: task }): Access[] => {
    const resource = taskResource(task.Resource ?? '');
    if (resource?.kind !== 'dynamodb') return [];
    const parameters = task.Parameters ?? {};
    const table = tableOfVariable.get(variable(parameters.TableName)) as TableId;
    const action = pascal(resource.action);
    switch (resource.action) {
      case 'getItem':
        return [{ state, operation: action, table, ...keyOf(machine, parameters, 'Key'), events: [] }];
      case 'query':
        return [
          {
            state,
            operation: action,
            table,
            ...(typeof parameters.IndexName === 'string' ? { index: parameters.IndexName } : {}),
            ...keyCondition(parameters),
            events: [],
          },
        ];
      case 'putItem':
      case 'updateItem':
      case 'deleteItem': {
        const operation = action.replace(/Item$/, '');
        const field = operation === 'Put' ? 'Item' : 'Key';
        const newImage = literalAttributes(operation, parameters);
        return [
          {
            state,
            operation: action,
            table,
            ...keyOf(machine, parameters, field),
            events: writeEvents(operation, parameters),
            ...(newImage ? { newImage } : {}),
          },
        ];
      }
      case 'transactWriteItems': {
        const items = parameters.TransactItems as readonly Record<string, Parameters>[] | undefined;
        if (!items) {
          const built = producer(machine, parameters['TransactItems.$']);
          return (dynamicTaskAccess[`${workflow.name}/${state}`] ?? []).flatMap(
            ({ table: declared, actions }) =>
              actions.map((itemAction) => {
                const operation = itemAction.replace(/Item$/, '');
                return {
                  state,
                  operation: `${action}: ${operation}`,
                  table: declared,
                  key: built,
                  events: EVENTS_OF[operation] ?? [],
                };
              }),
          );
        }
        return items.flatMap((item) =>
          Object.entries(item).map(([operation, body]) => {
            const newImage = literalAttributes(operation, body);
            return {
              state,
              operation: `${action}: ${operation}`,
              table: tableOfVariable.get(variable(body.TableName)) as TableId,
              ...keyOf(machine, body, operation === 'Put' ? 'Item' : 'Key'),
              events: writeEvents(operation, body),
              ...(newImage ? { newImage } : {}),
            };
          }),
        );
      }
      case 'batchWriteItem':
        return Object.entries((parameters.RequestItems ?? {}) as Parameters).map(([tableKey, requests]) => ({
          state,
          operation: `${action}: Put, Delete`,
          table: tableOfVariable.get(variable(tableKey)) as TableId,
          key: producer(machine, requests),
          events: ['INSERT', 'MODIFY', 'REMOVE'] as const,
        }));
      default:
        throw new Error(`${workflowFile(workflow)}: Task "${state}": no flows rendering for ${action}`);
    }
  });
}

/** A condition on one NewImage attribute in words, undefined when it is not one of these shapes. */
function describeNewImageCondition(attribute: string, condition: unknown): string | undefined {
  const [matcher, ...others] = ((condition as { S?: unknown[] } | undefined)?.S ?? []) as Parameters[];
  if (!matcher || others.length > 0) return undefined;
  const excluded = matcher['anything-but'];
  if (Array.isArray(excluded))
    return `whose \`${attribute}\` is not ${excluded.map((value) => `\`${value}\``).join(' or ')}`;
  if (matcher.exists === false) return `without \`${attribute}\``;
  return undefined;
}

/** The Pipe filters in words where they are a key prefix, event names and NewImage conditions, else JSON. */
function describeFilters(source: EventSourceDefinition): string {
  if (source.filters.length === 0) return 'a change of any item';
  return source.filters
    .map((filter) => {
      const { eventName, dynamodb, ...rest } = filter as {
        eventName?: string[];
        dynamodb?: { Keys?: { pk?: { S?: { prefix?: string }[] } }; NewImage?: Parameters };
      };
      const { Keys, NewImage, ...otherFields } = dynamodb ?? {};
      const prefix = Keys?.pk?.S?.[0]?.prefix;
      const conditions = Object.entries(NewImage ?? {}).map(([attribute, condition]) =>
        describeNewImageCondition(attribute, condition),
      );
      if (
        Object.keys(rest).length > 0 ||
        Object.keys(otherFields).length > 0 ||
        (dynamodb && !prefix) ||
        conditions.includes(undefined)
      )
        return `\`${JSON.stringify(filter)}\``;
      const events = eventName
        ? `${eventName[0] === 'INSERT' ? 'an' : 'a'} ${eventName.join(' or ')}`
        : 'a change';
      return [prefix ? `${events} of pk \`${prefix}…\`` : `${events} of any item`, ...conditions].join(' ');
    })
    .join('; or ');
}

const matchers = new Map(eventSources.map((source) => [source, compileFilterCriteria(source.filters)]));

/** The stream events of a write, by the workflow they start. */
function streamEvents(access: Access): string[] {
  if (access.events.length === 0 || !tables.find((table) => table.id === access.table)?.stream) return [];
  return eventSources
    .filter((source) => source.table === access.table)
    .flatMap((source) => {
      const passes = matchers.get(source) ?? (() => false);
      if (access.prefix === undefined) {
        return [`${source.workflow}? (if it is ${describeFilters(source)})`];
      }
      const keys = { Keys: { pk: { S: `${access.prefix}x` } } };
      const started = access.events.filter((eventName) =>
        passes({
          eventName,
          dynamodb:
            eventName === 'REMOVE' || !access.newImage ? keys : { ...keys, NewImage: access.newImage },
        }),
      );
      return started.length > 0 ? [`${source.workflow} (${started.join('/')})`] : [];
    });
}

// ---------------------------------------------------------------------------------------------
// The document

const routeName = (route: Route): string => `\`${route.method} ${route.path}\``;
const anchor = (name: string): string => `[${name}](#${name})`;
const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** Everything a workflow does, as the sections of its chapter. */
const FRAME_LINK = '[the idempotency frame](#the-idempotency-frame)';

/** The frame every express workflow runs its own states in, drawn once around a stand-in. */
function frameChapter(): string[] {
  const own = "The workflow's own states";
  const frame = framed('<workflow>', undefined, { StartAt: own, States: { [own]: { Type: 'Succeed' } } });
  return [
    '### The idempotency frame',
    '',
    'Every EXPRESS workflow below runs its own states in the Parallel "Run the request" of this frame',
    '([schemas/idempotency-frame.ts](../schemas/idempotency-frame.ts)), which makes a request sent',
    'with an `Idempotency-Key` run once ([state-machines/README.md](../state-machines/README.md#idempotent-writes)).',
    "The item accesses of each workflow include the frame's.",
    '',
    '```mermaid',
    ...aslFlowchart(frame),
    '```',
    '',
  ];
}

function workflowChapter(workflow: WorkflowDefinition): string[] {
  const { asl, file } = loadWorkflow(workflow);
  const accesses = accessesOf(workflow, asl);
  const startedBy = [
    ...routes
      .filter((route) => 'workflow' in route.target && route.target.workflow === workflow.name)
      .map(routeName),
    ...eventSources
      .filter((source) => source.workflow === workflow.name)
      .map(
        (source) =>
          `the ${source.table} stream (${describeFilters(source)}; batches of ${source.batchSize ?? 10})`,
      ),
    ...workflows
      .filter((other) =>
        allStates(loadWorkflow(other).asl).some(
          ({ state }) =>
            taskResource(state.Resource ?? '')?.kind === 'startExecution' &&
            workflowOfVariable.get(variable(state.Parameters?.StateMachineArn)) === workflow.name,
        ),
      )
      .map((other) => `${anchor(other.name)} (startExecution)`),
  ];
  const targets = (
    kind: 'lambda' | 'startExecution',
    parameter: string,
    names: ReadonlyMap<string, string>,
  ) => [
    ...new Set(
      allStates(asl).flatMap(({ state }) =>
        taskResource(state.Resource ?? '')?.kind === kind
          ? [names.get(variable(state.Parameters?.[parameter])) ?? '']
          : [],
      ),
    ),
  ];
  const lambdas = targets('lambda', 'FunctionName', functionOfVariable).map((name) => `\`${name}\``);
  const starts = targets('startExecution', 'StateMachineArn', workflowOfVariable).map(anchor);
  const lines = [
    `### ${workflow.name}`,
    '',
    `${workflow.type} workflow [\`${file}\`](../${file}), started by ${startedBy.join(', ') || 'nothing'}.`,
    ...(typeof asl.Comment === 'string' ? ['', `> ${asl.Comment}`] : []),
    ...(workflow.type === 'EXPRESS' ? ['', `Its own states, which run inside ${FRAME_LINK}:`] : []),
    '',
    '```mermaid',
    ...aslFlowchart(workflow.type === 'EXPRESS' ? ownStates(asl) : asl),
    '```',
    '',
    `Lambda tasks: ${lambdas.join(', ') || 'none'}.${starts.length > 0 ? ` Starts ${starts.join(', ')}.` : ''}`,
    '',
  ];
  if (accesses.length === 0) return [...lines, 'Items: none.', ''];
  lines.push(
    '| state | operation | table | key | stream events → workflow |',
    '| --- | --- | --- | --- | --- |',
    ...accesses.map(
      (access) =>
        `| ${cell(access.state)} | ${access.operation} | ${access.table}${access.index ? ` (${access.index})` : ''} | ${cell(
          access.key.startsWith('built') ? access.key : `\`${access.key}\``,
        )} | ${cell(streamEvents(access).join(', ') || '–')} |`,
    ),
    '',
  );
  return lines;
}

function routeRow(route: Route): string {
  if ('lambda' in route.target) {
    const fn = functions.find(
      (candidate) => 'lambda' in route.target && candidate.name === route.target.lambda,
    );
    const reads = Object.keys(fn?.tables ?? {}).join(', ');
    const search = fn?.search ? `${reads ? ', ' : ''}the search index` : '';
    return `| ${routeName(route)} | ${route.auth} | Lambda [\`${fn?.name}\`](../${fn?.entry}) | ${reads}${search} | – |`;
  }
  const workflow = workflows.find(
    (candidate) => 'workflow' in route.target && candidate.name === route.target.workflow,
  );
  if (!workflow) throw new Error(`${routeName(route)}: no workflow ${route.target.workflow}`);
  const accesses = accessesOf(workflow, loadWorkflow(workflow).asl);
  const touched = [...new Set(accesses.map((access) => access.table))].join(', ');
  const started = new Map<string, boolean>();
  for (const event of accesses.flatMap(streamEvents)) {
    const [name = '', conditional] = /^([a-z-]+)(\?)?/.exec(event)?.slice(1) ?? [];
    started.set(name, (started.get(name) ?? true) && conditional === '?');
  }
  const events = [...started].map(([name, conditional]) => `${anchor(name)}${conditional ? '?' : ''}`);
  return `| ${routeName(route)} | ${route.auth} | workflow ${anchor(workflow.name)} | ${touched} | ${events.join(', ') || '–'} |`;
}

export function renderFlows(): string {
  return `${[
    '# Flows',
    '',
    '<!-- Generated by `npm run docs:flows` (docs/flows.ts) from schemas/routes.ts, the ASL files,',
    '     schemas/functions.ts and schemas/events.ts: edit those, not this file. -->',
    '',
    'What each route does, end to end: its target, the states of its workflow, the items they read and',
    'write, and the stream events the writes cause (which start the STANDARD workflows further down).',
    'Key patterns read `{path}` for a value of the execution state (`slugMarker.articleId` is the',
    '`articleId` of the item the state `slugMarker` holds). A write whose key is built at run time',
    'starts a stream workflow (marked `?`) only if its record passes the Pipe filter.',
    '',
    '## Routes',
    '',
    '| route | auth | target | tables | stream workflows it starts |',
    '| --- | --- | --- | --- | --- |',
    ...routes.map(routeRow),
    '',
    '## Workflows',
    '',
    ...frameChapter(),
    ...workflows.flatMap(workflowChapter),
  ].join('\n')}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(fromRoot(FLOWS_FILE), renderFlows());
  console.log(`wrote ${FLOWS_FILE}`);
}
