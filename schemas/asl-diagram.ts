/**
 * A workflow's states as a Mermaid flowchart, drawn from its ASL file: docs/flows.md shows it, and
 * the local execution viewer (local/execution-viewer.ts) shows it with the path an execution took.
 */
import { type AslMachine, allStates } from './asl.ts';

/** What an execution did, for the highlighting: states entered, transitions taken, where it failed. */
export interface PathTaken {
  readonly entered: ReadonlySet<string>;
  /** `from\nto` for every transition taken, `\nto` for the start of a machine or a Map/Parallel body. */
  readonly transitions: ReadonlySet<string>;
  readonly failed: ReadonlySet<string>;
}

export const transitionKey = (from: string, to: string): string => `${from}\n${to}`;

/** A state an execution entered, in the order entered. */
export interface StateEntry {
  readonly name: string;
  /** The Map iteration it ran in. */
  readonly iteration?: number;
  /** It ended the execution or its branch with an error no Retry or Catch clause handled. */
  readonly failed: boolean;
}

/**
 * The path of an execution from the states it entered, in order: within one body (the machine, a
 * Parallel branch, a Map iteration) each state follows the one entered before it; branches and
 * iterations run concurrently, so their states interleave in the order entered.
 */
export function pathTaken(machine: AslMachine, entries: readonly StateEntry[]): PathTaken {
  const bodyOf = new Map<string, number>();
  let bodies = 0;
  const walk = (inner: AslMachine) => {
    const body = bodies++;
    for (const [name, state] of Object.entries(inner.States)) {
      bodyOf.set(name, body);
      for (const nested of [...(state.Branches ?? []), state.ItemProcessor, state.Iterator]) {
        if (nested) walk(nested);
      }
    }
  };
  walk(machine);
  const last = new Map<string, string>();
  const transitions = new Set<string>();
  for (const { name, iteration } of entries) {
    const body = `${bodyOf.get(name)}#${iteration ?? ''}`;
    transitions.add(transitionKey(last.get(body) ?? '', name));
    last.set(body, name);
  }
  return {
    entered: new Set(entries.map((entry) => entry.name)),
    transitions,
    failed: new Set(entries.filter((entry) => entry.failed).map((entry) => entry.name)),
  };
}

const label = (text: string): string => `"${text.replace(/"/g, '#quot;')}"`;

const SHAPES: Readonly<Record<string, readonly [string, string]>> = {
  Task: ['[', ']'],
  Choice: ['{', '}'],
  Fail: ['([', '])'],
  Succeed: ['([', '])'],
};

/**
 * The states as a flowchart: Map and Parallel bodies as subgraphs, Catch clauses as dotted edges.
 * With a path, the states it entered, the edges it took and the states that failed are styled
 * (classes `taken` and `failed`, `linkStyle` by the edge's position in the text).
 */
export function aslFlowchart(machine: AslMachine, path?: PathTaken): string[] {
  const ids = new Map(allStates(machine).map(({ name }, index) => [name, `s${index}`]));
  const id = (name: string) => ids.get(name) ?? name;
  const out = ['flowchart TD'];
  const takenEdges: number[] = [];
  let edges = 0;
  const edge = (line: string, from: string, to: string) => {
    if (path?.transitions.has(transitionKey(from, to))) takenEdges.push(edges);
    edges++;
    out.push(line);
  };
  edge(`  entry((start)) --> ${id(machine.StartAt)}`, '', machine.StartAt);
  const draw = (inner: AslMachine, indent: string) => {
    for (const [name, state] of Object.entries(inner.States)) {
      const nested = [...(state.Branches ?? []), state.ItemProcessor, state.Iterator].filter(
        (body): body is AslMachine => body !== undefined,
      );
      if (nested.length === 0) {
        const [open, close] = SHAPES[state.Type] ?? ['[/', '/]'];
        // A Fail that passes another failure on names its error by path.
        const error = state.Error ?? (state.ErrorPath ? `error at ${state.ErrorPath}` : undefined);
        const text = state.Type === 'Fail' && error ? `${name}: ${error}` : name;
        out.push(`${indent}${id(name)}${open}${label(text)}${close}`);
        continue;
      }
      const kind = state.Type === 'Map' ? 'Map: for each item' : 'Parallel';
      out.push(`${indent}subgraph ${id(name)} [${label(`${name} (${kind})`)}]`);
      for (const body of nested) {
        edge(`${indent}  ${id(name)}_entry((start)) --> ${id(body.StartAt)}`, '', body.StartAt);
        draw(body, `${indent}  `);
      }
      out.push(`${indent}end`);
    }
    for (const [name, state] of Object.entries(inner.States)) {
      const choices = (state.Choices ?? []) as readonly { readonly Next: string }[];
      for (const target of new Set(choices.map((choice) => choice.Next))) {
        edge(`${indent}${id(name)} --> ${id(target)}`, name, target);
      }
      if (typeof state.Default === 'string')
        edge(`${indent}${id(name)} -->|otherwise| ${id(state.Default)}`, name, state.Default);
      if (state.Next) edge(`${indent}${id(name)} --> ${id(state.Next)}`, name, state.Next);
      for (const clause of (state.Catch ?? []) as readonly { ErrorEquals: string[]; Next: string }[]) {
        edge(
          `${indent}${id(name)} -.->|${label(clause.ErrorEquals.join(', '))}| ${id(clause.Next)}`,
          name,
          clause.Next,
        );
      }
    }
  };
  draw(machine, '  ');
  if (!path) return out;
  const classOf = (names: ReadonlySet<string>) =>
    [...names].flatMap((name) => (ids.has(name) ? [id(name)] : []));
  const taken = classOf(path.entered);
  const failed = classOf(path.failed);
  out.push(
    '  classDef taken fill:#d3f9d8,stroke:#2b8a3e,stroke-width:2px',
    '  classDef failed fill:#ffe3e3,stroke:#c92a2a,stroke-width:3px',
    ...(taken.length ? [`  class ${taken.join(',')} taken`] : []),
    ...(failed.length ? [`  class ${failed.join(',')} failed`] : []),
    ...(takenEdges.length ? [`  linkStyle ${takenEdges.join(',')} stroke:#2b8a3e,stroke-width:3px`] : []),
  );
  return out;
}
