/**
 * EventBridge event-pattern matching, for the local stream poller to drop the records a Pipe's
 * filter criteria would drop (schemas/events.ts). Covers the operators Pipes support on DynamoDB
 * stream records; any other operator is rejected, so a filter never silently means something else
 * locally than in AWS.
 *
 * Semantics: every field of the pattern must match (AND); an array lists alternatives (OR); an
 * object descends into the record. A record field that is an array matches when any element does.
 */
export type EventPattern = Readonly<Record<string, unknown>>;

type Matcher = (value: unknown, present: boolean) => boolean;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function compileNumeric(conditions: unknown[]): Matcher {
  const checks: ((n: number) => boolean)[] = [];
  for (let index = 0; index < conditions.length; index += 2) {
    const operator = conditions[index];
    const bound = conditions[index + 1];
    if (typeof bound !== 'number') throw new Error(`numeric: ${String(operator)} needs a number`);
    const compare: Record<string, (n: number) => boolean> = {
      '=': (n) => n === bound,
      '<': (n) => n < bound,
      '<=': (n) => n <= bound,
      '>': (n) => n > bound,
      '>=': (n) => n >= bound,
    };
    const check = compare[String(operator)];
    if (!check) throw new Error(`numeric: unknown operator ${String(operator)}`);
    checks.push(check);
  }
  return (value, present) => {
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    return present && typeof n === 'number' && !Number.isNaN(n) && checks.every((check) => check(n));
  };
}

function compileAlternative(alternative: unknown): Matcher {
  if (!isObject(alternative)) {
    return (value, present) => present && value === alternative;
  }
  const entries = Object.entries(alternative);
  const [operator, argument] = entries[0] ?? [];
  if (entries.length !== 1)
    throw new Error(`a pattern operator object has exactly one key: ${JSON.stringify(alternative)}`);
  switch (operator) {
    case 'prefix':
      return (value, present) => present && typeof value === 'string' && value.startsWith(String(argument));
    case 'suffix':
      return (value, present) => present && typeof value === 'string' && value.endsWith(String(argument));
    case 'equals-ignore-case':
      return (value, present) =>
        present && typeof value === 'string' && value.toLowerCase() === String(argument).toLowerCase();
    case 'exists':
      return (_value, present) => present === argument;
    case 'numeric':
      if (!Array.isArray(argument)) throw new Error('numeric takes an array of operator, number pairs');
      return compileNumeric(argument);
    case 'anything-but': {
      const excluded = Array.isArray(argument)
        ? argument.map(compileAlternative)
        : [compileAlternative(argument)];
      return (value, present) => present && !excluded.some((matches) => matches(value, present));
    }
    default:
      throw new Error(`pattern operator "${operator}" is not supported by EventBridge Pipes filtering here`);
  }
}

function compileField(pattern: unknown, path: string): (record: unknown) => boolean {
  if (Array.isArray(pattern)) {
    const alternatives = pattern.map(compileAlternative);
    return (field) => {
      const present = field !== undefined;
      const values = Array.isArray(field) ? field : [field];
      return values.some((value) => alternatives.some((matches) => matches(value, present)));
    };
  }
  if (isObject(pattern)) {
    const fields = Object.entries(pattern).map(([key, child]) => {
      const matches = compileField(child, `${path}.${key}`);
      return (record: unknown) => matches(isObject(record) ? record[key] : undefined);
    });
    return (record) => fields.every((matches) => matches(record));
  }
  throw new Error(`pattern field ${path} must be an array of values or an object`);
}

/** Compiles a pattern once (so a bad one fails at start) into a predicate on records. */
export function compileEventPattern(pattern: EventPattern): (record: unknown) => boolean {
  return compileField(pattern, '$');
}

/** The filter criteria of a Pipe: a record passes when any pattern matches; no patterns pass everything. */
export function compileFilterCriteria(patterns: readonly EventPattern[]): (record: unknown) => boolean {
  if (patterns.length === 0) return () => true;
  const compiled = patterns.map(compileEventPattern);
  return (record) => compiled.some((matches) => matches(record));
}
