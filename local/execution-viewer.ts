/**
 * The execution viewer at /_local/executions: the pages the Step Functions console would show for
 * the local runtime's recent executions (local/execution-history.ts). The list puts failures first;
 * an execution's page shows what started it, the workflow's graph drawn from its ASL file with the
 * path taken highlighted (Mermaid, served from the npm package), and its states in order with their
 * input, output, errors, retries and timing. Plain server-rendered HTML; the only script is Mermaid.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AslMachine, allStates, loadWorkflow } from '../schemas/asl.ts';
import { aslFlowchart, pathTaken } from '../schemas/asl-diagram.ts';
import { PASS_ON_STATE, RUN_STATE } from '../schemas/idempotency-frame.ts';
import { findWorkflow } from '../schemas/workflows.ts';
import {
  type ExecutionHistory,
  type ExecutionRecord,
  FAILED_EXECUTIONS,
  RECENT_EXECUTIONS,
  type StateRun,
  type Trigger,
} from './execution-history.ts';

export const EXECUTIONS_PATH = '/_local/executions';
export const MERMAID_PATH = '/_local/assets/mermaid.min.js';

let mermaidScript: string | undefined;
/** Mermaid's browser bundle, from node_modules (read once). */
export function mermaid(): string {
  mermaidScript ??= readFileSync(
    createRequire(import.meta.url).resolve('mermaid/dist/mermaid.min.js'),
    'utf8',
  );
  return mermaidScript;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

const executionLink = (name: string, text = name): string =>
  `<a href="${EXECUTIONS_PATH}/${encodeURIComponent(name)}">${escapeHtml(text)}</a>`;

const duration = (from: number, to: number | undefined): string =>
  to === undefined ? 'running' : `${to - from} ms`;

const clock = (at: number): string => new Date(at).toISOString().slice(11, 23);

const json = (value: unknown): string =>
  `<pre>${escapeHtml(typeof value === 'string' ? value : JSON.stringify(value, null, 2))}</pre>`;

function describeTrigger(trigger: Trigger, history: ExecutionHistory): string {
  switch (trigger.kind) {
    case 'request':
      return `<span class="request">${escapeHtml(`${trigger.method} ${trigger.path}`)}</span> <small>request ${escapeHtml(trigger.requestId)}</small>`;
    case 'stream': {
      const [first = ''] = trigger.records;
      const more = trigger.records.length > 1 ? ` and ${trigger.records.length - 1} more` : '';
      return `${escapeHtml(trigger.table)} stream batch: ${escapeHtml(first)}${escapeHtml(more)}`;
    }
    case 'execution': {
      const parent = history.get(trigger.parent);
      return `${parent ? escapeHtml(parent.workflow) : 'execution'} ${executionLink(trigger.parent, trigger.parent.slice(0, 8))}`;
    }
    case 'direct':
      return '<small>started directly</small>';
  }
}

const statusBadge = (status: string): string =>
  `<span class="status ${status.toLowerCase()}">${escapeHtml(status)}</span>`;

const page = (title: string, body: string, script = ''): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #212529; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #dee2e6; vertical-align: top; }
th { background: #f1f3f5; }
pre { background: #f8f9fa; padding: .5rem; max-height: 24rem; overflow: auto; margin: .25rem 0; }
.status { font-weight: 600; padding: 0 .4rem; border-radius: .25rem; }
.status.failed { background: #ffe3e3; color: #c92a2a; }
.status.succeeded { background: #d3f9d8; color: #2b8a3e; }
.status.running { background: #e7f5ff; color: #1864ab; }
tr.failed td { background: #fff5f5; }
.error { color: #c92a2a; }
.request { font-family: ui-monospace, monospace; }
.graph { border: 1px solid #dee2e6; padding: .5rem; margin: 1rem 0; }
.graph pre { max-height: none; background: none; }
small { color: #868e96; }
</style></head><body>${body}${script}</body></html>`;

export function executionList(history: ExecutionHistory): string {
  const rows = history.list().map(
    (execution) => `<tr class="${execution.status.toLowerCase()}">
<td>${statusBadge(execution.status)}</td>
<td>${escapeHtml(execution.workflow)} <small>${execution.type}</small></td>
<td>${clock(execution.startedAt)}</td>
<td>${duration(execution.startedAt, execution.stoppedAt)}</td>
<td>${describeTrigger(execution.trigger, history)}</td>
<td>${executionLink(execution.name)}${execution.error ? ` <span class="error">${escapeHtml(execution.error)}</span>` : ''}</td>
</tr>`,
  );
  return page(
    'Executions',
    `<h1>Executions</h1>
<p>The last ${RECENT_EXECUTIONS} executions of every workflow, and failed ones until ${FAILED_EXECUTIONS} later failures; failures first, then the most recent. Passwords, hashes and tokens are redacted.</p>
<table id="executions"><thead><tr><th>status</th><th>workflow</th><th>started (UTC)</th><th>duration</th><th>started by</th><th>execution</th></tr></thead>
<tbody>${rows.join('\n') || '<tr><td colspan="6">No execution yet.</td></tr>'}</tbody></table>`,
  );
}

/** An error left the state: neither a Retry nor a Catch clause of its own handled it (a Fail state's). */
const escaped = (run: StateRun): boolean =>
  run.errors.length > run.retries.length && run.caught === undefined;

/**
 * The states that failed the execution: an error left them and every Parallel or Map state around
 * them (none of which caught it, or the idempotency frame's, which caught it to pass it on).
 */
function failedStates(execution: ExecutionRecord, asl: AslMachine): Set<string> {
  if (execution.status !== 'FAILED') return new Set();
  const within = new Map(allStates(asl).map((visited) => [visited.name, visited.within]));
  const left = new Set(execution.states.filter(escaped).map((run) => run.name));
  if (left.has(PASS_ON_STATE)) left.add(RUN_STATE);
  return new Set([...left].filter((name) => (within.get(name) ?? []).every((outer) => left.has(outer))));
}

function stateRow(run: StateRun, index: number, startedAt: number, failed: boolean): string {
  const errors = run.errors.map(
    (error, attempt) =>
      `<div class="error">${escapeHtml(error.error)}${attempt < run.retries.length ? ` <small>retried (attempt ${run.retries[attempt]?.attempt ?? attempt + 1}) at +${(run.retries[attempt]?.at ?? error.at) - startedAt} ms</small>` : run.caught !== undefined ? ' <small>caught</small>' : ''}</div>`,
  );
  return `<tr class="state${failed ? ' failed' : ''}" data-state="${escapeHtml(run.name)}">
<td>${index + 1}</td>
<td>${escapeHtml(run.name)}${run.iteration === undefined ? '' : ` <small>iteration ${run.iteration}</small>`}</td>
<td>${escapeHtml(run.type)}</td>
<td>+${run.enteredAt - startedAt} ms</td>
<td>${duration(run.enteredAt, run.exitedAt)}</td>
<td>${run.retries.length || ''}</td>
<td>${errors.join('')}</td>
<td><details><summary>input</summary>${json(run.input)}</details>${run.output === undefined ? '' : `<details><summary>output</summary>${json(run.output)}</details>`}${run.errors.length ? `<details><summary>cause</summary>${run.errors.map((error) => json(error.cause)).join('')}</details>` : ''}</td>
</tr>`;
}

export function executionPage(execution: ExecutionRecord, history: ExecutionHistory): string {
  const { asl } = loadWorkflow(findWorkflow(execution.workflow));
  const failed = failedStates(execution, asl);
  const path = pathTaken(
    asl,
    execution.states.map((run) => ({
      name: run.name,
      ...(run.iteration === undefined ? {} : { iteration: run.iteration }),
      failed: failed.has(run.name),
    })),
  );
  const children = history.children(execution.name);
  const body = `<p><a href="${EXECUTIONS_PATH}">← all executions</a></p>
<h1>${escapeHtml(execution.workflow)} ${statusBadge(execution.status)}</h1>
<table class="summary">
<tr><th>execution</th><td>${escapeHtml(execution.executionArn)}</td></tr>
<tr><th>started by</th><td>${describeTrigger(execution.trigger, history)}</td></tr>
<tr><th>started (UTC)</th><td>${clock(execution.startedAt)}</td></tr>
<tr><th>duration</th><td>${duration(execution.startedAt, execution.stoppedAt)}</td></tr>
${execution.error ? `<tr><th>error</th><td class="error">${escapeHtml(execution.error)}${execution.cause ? json(execution.cause) : ''}</td></tr>` : ''}
${children.length ? `<tr><th>started</th><td>${children.map((child) => `${escapeHtml(child.workflow)} ${executionLink(child.name, child.name.slice(0, 8))} ${statusBadge(child.status)}`).join('<br>')}</td></tr>` : ''}
<tr><th>input</th><td><details><summary>show</summary>${json(execution.input)}</details></td></tr>
${execution.output === undefined ? '' : `<tr><th>output</th><td><details><summary>show</summary>${json(execution.output)}</details></td></tr>`}
</table>
<h2>Graph</h2>
<p><small>From the ASL file; the states entered and the transitions taken are green, a state that failed the execution is red.</small></p>
<div class="graph"><pre class="mermaid">${escapeHtml(aslFlowchart(asl, path).join('\n'))}</pre></div>
<h2>States</h2>
<table id="states"><thead><tr><th>#</th><th>state</th><th>type</th><th>entered</th><th>duration</th><th>retries</th><th>errors</th><th>data</th></tr></thead>
<tbody>${execution.states.map((run, index) => stateRow(run, index, execution.startedAt, failed.has(run.name))).join('\n')}</tbody></table>
${execution.statesOmitted ? `<p><small>${execution.statesOmitted} later states are not kept.</small></p>` : ''}`;
  return page(
    `${execution.workflow} ${execution.name}`,
    body,
    `<script src="${MERMAID_PATH}"></script>
<script>mermaid.initialize({ startOnLoad: true, securityLevel: 'strict', flowchart: { useMaxWidth: true } });</script>`,
  );
}
