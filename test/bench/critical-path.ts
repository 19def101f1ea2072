/**
 * The critical path of a route read from its definition: the longest chain of dependent AWS calls
 * the request waits for. Each Task of an EXPRESS workflow is one call (a DynamoDB integration or a
 * Lambda invoke); a Parallel state costs its longest branch, a Map its iterator's chain (iterations
 * run side by side); Choice, Pass, Succeed and Fail cost none. Catch paths are the error path and
 * are left out. The authorizer's invoke comes first on every route that has one. A workflow's path is
 * that of its own states, which a request without an Idempotency-Key runs: the idempotency frame adds
 * no call to it (with a key it adds three: the fingerprint, the claim and keeping the outcome). The runner
 * confirms it: test/bench/counters.ts counts the dependent round trips the runtime actually made.
 */
import { type AslMachine, loadWorkflow, taskResource } from '../../schemas/asl.ts';
import { ownStates } from '../../schemas/idempotency-frame.ts';
import { type Route, routes } from '../../schemas/routes.ts';
import { findWorkflow } from '../../schemas/workflows.ts';

export interface CriticalPath {
  readonly route: string;
  /** Links on the longest chain: authorizer invoke, Lambda invokes, DynamoDB calls. */
  readonly links: number;
  /** The chain, e.g. `authorizer → λ get-article` or `authorizer → getItem → λ present-article`. */
  readonly chain: readonly string[];
}

/** The longest chain of Task calls from `at` to an end state of `machine`. */
function longestChain(machine: AslMachine, at: string = machine.StartAt, seen = new Set<string>()): string[] {
  const state = machine.States[at];
  if (!state || seen.has(at)) return [];
  const visited = new Set(seen).add(at);
  let own: string[] = [];
  if (state.Type === 'Task') {
    const resource = taskResource(state.Resource ?? '');
    own = [
      resource?.kind === 'dynamodb'
        ? `${resource.action} (${at})`
        : `${resource?.kind === 'lambda' ? 'λ' : (resource?.kind ?? 'call')} ${at}`,
    ];
  } else if (state.Type === 'Parallel') {
    own = (state.Branches ?? [])
      .map((branch) => longestChain(branch))
      .reduce((a, b) => (b.length > a.length ? b : a), []);
  } else if (state.Type === 'Map') {
    const body = state.ItemProcessor ?? state.Iterator;
    own = body ? longestChain(body) : [];
  }
  const choices = (state.Choices ?? []) as readonly { readonly Next: string }[];
  const nexts = [
    ...choices.map((choice) => choice.Next),
    ...(typeof state.Default === 'string' ? [state.Default] : []),
    ...(state.Next ? [state.Next] : []),
  ];
  const after = nexts
    .map((next) => longestChain(machine, next, visited))
    .reduce((a, b) => (b.length > a.length ? b : a), []);
  return [...own, ...after];
}

export function criticalPath(route: Route): CriticalPath {
  const authorizer = route.auth === 'none' ? [] : ['λ authorizer'];
  const target =
    'lambda' in route.target
      ? [`λ ${route.target.lambda} (its own calls: see the measured round trips)`]
      : longestChain(ownStates(loadWorkflow(findWorkflow(route.target.workflow)).asl));
  const chain = [...authorizer, ...target];
  return { route: `${route.method} ${route.path}`, links: chain.length, chain };
}

export const criticalPaths = (): CriticalPath[] => routes.map(criticalPath);
