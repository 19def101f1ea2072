/**
 * The API Gateway mapping templates of the express workflow routes (schemas/api-gateway/*.vtl), rendered
 * locally with velocityjs in a small API Gateway-compatible environment, so that the local gateway builds
 * the StartSyncExecution request and maps its response exactly as the deployed API does.
 *
 * Emulated (only what the templates use, after the API Gateway mapping template reference):
 * - `$input.body`, `$input.json(path)`, `$input.path(path)`, `$input.params()`, `$input.params(name)`;
 *   JSONPath is limited to `$`, `.name`, `['name']` and `[index]`.
 * - `$util.escapeJavaScript` (Apache Commons Lang rules: `'` becomes `\'`, as the reference warns).
 *   API Gateway has no `$util.toJson`, so neither has this environment.
 * - `$context.requestId`, `$context.authorizer.<key>`, `$context.responseOverride.status` (settable once).
 * - The Java methods the templates call on strings (`replaceAll` with Java regex and replacement syntax,
 *   `trim`, `isEmpty`, `length`, `startsWith`, `substring`, `toLowerCase`) and on maps (`get`, `keySet`); any other
 *   method throws instead of silently behaving like JavaScript.
 */
import { readFileSync } from 'node:fs';
import { Compile, parse } from 'velocityjs';
import {
  requestTemplatePath,
  responseTemplatePath,
  stateMachineArnPlaceholder,
  successStatusPlaceholder,
} from '../schemas/api-gateway/templates.ts';
import type { SuccessStatus } from '../schemas/routes.ts';

/** A template that cannot be rendered the way API Gateway would (API Gateway answers 5XX). */
export class MappingTemplateError extends Error {
  override name = 'MappingTemplateError';
}

/** The request body is not JSON API Gateway parses, so `$input.json` / `$input.path` cannot evaluate it. */
export class InvalidRequestBodyError extends Error {
  override name = 'InvalidRequestBodyError';
}

/**
 * The deepest nesting of objects and arrays a body may have. API Gateway does not document its limit.
 * Its templates parse bodies with Jackson (its parse errors carry Jackson's messages: "Could not parse
 * request body into json: Unrecognized token 'json' … [Source: [B@41ebdee4; line: 1, column: 6]",
 * https://gist.github.com/rpgreen/5cd3d5c872781335a5d3), which refuses more than 1000 levels by
 * default (StreamReadConstraints, Jackson 2.15 and later). Assumed here: a deeper body is one that
 * does not parse (the gateway answers BAD_REQUEST_BODY), rather than one that overflows the renderer.
 */
export const MAX_JSON_DEPTH = 1000;

/** The deepest nesting of objects and arrays in a JSON text, counted without recursion. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') deepest = Math.max(deepest, ++depth);
    else if (char === '}' || char === ']') depth--;
  }
  return deepest;
}

/** Parses a request body as API Gateway's templates do; InvalidRequestBodyError when they could not. */
export function parseRequestBody(text: string): unknown {
  if (nestingDepth(text) > MAX_JSON_DEPTH) {
    throw new InvalidRequestBodyError(`The body is nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidRequestBodyError('The body is not valid JSON');
  }
}

export interface StartSyncExecutionRequestParams {
  /** ARN substituted for the placeholder. */
  readonly stateMachineArn: string;
  /** `$context.requestId`, also the execution name. */
  readonly requestId: string;
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly queryParameters?: Readonly<Record<string, string>>;
  /** Method request headers: `$input.params().header`, of which the template reads only Idempotency-Key. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The raw request body; undefined, null or blank means no body. */
  readonly body?: string | null;
  /** The authorizer's context (`$context.authorizer`); undefined when no authorizer ran. */
  readonly authorizer?: Readonly<Record<string, string>> | null;
}

/** The StartSyncExecution request body the template renders. */
export interface StartSyncExecutionRequest {
  readonly stateMachineArn: string;
  readonly name: string;
  /** The execution input as a JSON string (see StartSyncExecutionInput). */
  readonly input: string;
}

/** The execution input of an express workflow (state-machines/README.md). */
export interface StartSyncExecutionInput {
  readonly requestId: string;
  readonly auth: { readonly userId: string };
  /** The Idempotency-Key header, or "" (state-machines/README.md). */
  readonly idempotencyKey: string;
  readonly path: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** The fields of a StartSyncExecution response that the response template reads. */
export interface StartSyncExecutionResponse {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  /** The execution output as compact JSON, as Step Functions returns it (`JSON.stringify(output)`). */
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
}

export interface MappedHttpResponse {
  readonly statusCode: number;
  /** The rendered body: JSON, or empty. */
  readonly body: string;
}

// ---------------------------------------------------------------------------------------------------
// Templates, loaded once

type TemplateAst = ReturnType<typeof parse>;

let requestTemplateSource: string | undefined;
const requestAstByArn = new Map<string, TemplateAst>();
let responseTemplateSource: string | undefined;
const responseAstByStatus = new Map<SuccessStatus, TemplateAst>();

function requestAst(stateMachineArn: string): TemplateAst {
  if (!/^arn:[A-Za-z0-9:_\-./]+$/.test(stateMachineArn)) {
    throw new MappingTemplateError(`Not a state machine ARN: ${JSON.stringify(stateMachineArn)}`);
  }
  let ast = requestAstByArn.get(stateMachineArn);
  if (ast === undefined) {
    requestTemplateSource ??= readFileSync(requestTemplatePath, 'utf8');
    ast = parse(requestTemplateSource.replaceAll(stateMachineArnPlaceholder, stateMachineArn));
    requestAstByArn.set(stateMachineArn, ast);
  }
  return ast;
}

function responseAst(successStatus: SuccessStatus): TemplateAst {
  let ast = responseAstByStatus.get(successStatus);
  if (ast === undefined) {
    responseTemplateSource ??= readFileSync(responseTemplatePath, 'utf8');
    ast = parse(responseTemplateSource.replaceAll(successStatusPlaceholder, String(successStatus)));
    responseAstByStatus.set(successStatus, ast);
  }
  return ast;
}

// ---------------------------------------------------------------------------------------------------
// Java semantics for the methods templates call

interface MethodCall {
  readonly property: string;
  readonly context: unknown;
  readonly params: unknown[];
}

type VtlMap = Record<string, unknown>;

function isVtlMap(value: unknown): value is VtlMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringParam(call: MethodCall, index: number): string {
  const value = call.params[index];
  if (typeof value !== 'string') {
    throw new MappingTemplateError(`String.${call.property}(): argument ${index + 1} is not a string`);
  }
  return value;
}

function intParam(call: MethodCall, index: number): number {
  const value = call.params[index];
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new MappingTemplateError(`String.${call.property}(): argument ${index + 1} is not an integer`);
  }
  return value;
}

/** Java's String.trim(): strips every character up to U+0020 from both ends. */
function javaTrim(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && value.charCodeAt(start) <= 0x20) start++;
  while (end > start && value.charCodeAt(end - 1) <= 0x20) end--;
  return value.slice(start, end);
}

/** Java's Matcher.replaceAll replacement syntax: `$n` / `${name}` are groups, `\x` is a literal x. */
function javaReplacement(replacement: string): (match: string, ...rest: unknown[]) => string {
  return (match, ...rest) => {
    const last = rest.at(-1);
    const namedGroups = isVtlMap(last) ? last : undefined;
    const groups = rest.slice(0, namedGroups === undefined ? -2 : -3);
    let result = '';
    for (let i = 0; i < replacement.length; i++) {
      const char = replacement.charAt(i);
      if (char === '\\') {
        i++;
        if (i >= replacement.length)
          throw new MappingTemplateError('replaceAll(): trailing \\ in replacement');
        result += replacement.charAt(i);
      } else if (char === '$') {
        const named = /^\{([A-Za-z][A-Za-z0-9]*)\}/.exec(replacement.slice(i + 1));
        const numbered = /^\d/.exec(replacement.slice(i + 1));
        if (named?.[1] !== undefined) {
          result += String(namedGroups?.[named[1]] ?? '');
          i += named[0].length;
        } else if (numbered !== null) {
          const index = Number(numbered[0]);
          result += index === 0 ? match : String(groups[index - 1] ?? '');
          i += 1;
        } else {
          throw new MappingTemplateError('replaceAll(): illegal group reference in replacement');
        }
      } else {
        result += char;
      }
    }
    return result;
  };
}

function substring(call: MethodCall, value: string): string {
  const begin = intParam(call, 0);
  const end = call.params.length > 1 ? intParam(call, 1) : value.length;
  if (begin < 0 || end > value.length || begin > end) {
    throw new MappingTemplateError(
      `String.substring(${begin}, ${end}): out of range for length ${value.length}`,
    );
  }
  return value.slice(begin, end);
}

function callStringMethod(call: MethodCall, value: string): unknown {
  switch (call.property) {
    case 'replaceAll':
      // Java regular expressions and JavaScript's agree on the patterns templates use (`\\'`).
      return value.replace(new RegExp(stringParam(call, 0), 'g'), javaReplacement(stringParam(call, 1)));
    case 'trim':
      return javaTrim(value);
    case 'isEmpty':
      return value.length === 0;
    case 'length':
      return value.length;
    case 'substring':
      return substring(call, value);
    case 'startsWith':
      return value.startsWith(stringParam(call, 0));
    case 'toLowerCase':
      // Java lowers in the default locale; the templates lower header names, which are ASCII.
      return value.toLowerCase();
    default:
      throw new MappingTemplateError(
        `String.${call.property}() is not emulated (add it to local/api-gateway-templates.ts)`,
      );
  }
}

function callMapMethod(call: MethodCall, map: VtlMap): unknown {
  switch (call.property) {
    case 'get': {
      const key = String(call.params[0]);
      return Object.hasOwn(map, key) ? map[key] : undefined;
    }
    case 'keySet':
      return Object.keys(map);
    default:
      throw new MappingTemplateError(
        `Map.${call.property}() is not emulated (add it to local/api-gateway-templates.ts)`,
      );
  }
}

/** Handlers tried before velocityjs's own (which follow JavaScript rather than Java). */
const javaMethodHandlers = [
  {
    uid: 'java.lang.String',
    match: (call: MethodCall) => typeof call.context === 'string',
    resolve: (call: MethodCall) => callStringMethod(call, call.context as string),
  },
  {
    uid: 'java.util.Map',
    // Maps built by this environment ($input.params() and its parts), not objects holding methods.
    match: (call: MethodCall) => isVtlMap(call.context) && typeof call.context[call.property] !== 'function',
    resolve: (call: MethodCall) => callMapMethod(call, call.context as VtlMap),
  },
];

// ---------------------------------------------------------------------------------------------------
// $util

const shortEscapes: Readonly<Record<number, string>> = {
  8: '\\b',
  9: '\\t',
  10: '\\n',
  12: '\\f',
  13: '\\r',
};

/**
 * `$util.escapeJavaScript`: JavaScript string escaping as Apache Commons Lang's `escapeJavaScript`, which
 * matches the reference (`'` becomes `\'`): `'` `"` `\` `/` are backslash-escaped; \b \t \n \f \r use their
 * short escapes; other characters below U+0020 and every character above U+007E, per UTF-16 code unit,
 * become `\uXXXX` (upper-case hex).
 */
export function escapeJavaScript(value: string): string {
  let result = '';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    const char = value.charAt(i);
    if (code > 0x7f) {
      result += `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    } else if (code < 0x20) {
      result += shortEscapes[code] ?? `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    } else if (char === "'" || char === '"' || char === '\\' || char === '/') {
      result += `\\${char}`;
    } else {
      result += char;
    }
  }
  return result;
}

function createUtil(): VtlMap {
  return {
    escapeJavaScript(value: unknown): string | undefined {
      // API Gateway's returns null for null, which VTL then renders as the reference text.
      return value === undefined || value === null ? undefined : escapeJavaScript(String(value));
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// $input

type PathSegment = string | number;

/** The JSONPath subset the templates use: `$`, `.name`, `['name']`, `["name"]`, `[index]`. */
function parseJsonPath(path: string): PathSegment[] {
  if (!path.startsWith('$')) throw new MappingTemplateError(`Unsupported JSONPath ${JSON.stringify(path)}`);
  const segments: PathSegment[] = [];
  const pattern = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]/y;
  let position = 1;
  while (position < path.length) {
    pattern.lastIndex = position;
    const match = pattern.exec(path);
    if (match === null) throw new MappingTemplateError(`Unsupported JSONPath ${JSON.stringify(path)}`);
    const [, name, index, single, double] = match;
    if (name !== undefined) segments.push(name);
    else if (index !== undefined) segments.push(Number(index));
    else segments.push((single ?? double ?? '').replace(/\\(.)/g, '$1'));
    position = pattern.lastIndex;
  }
  return segments;
}

function select(document: unknown, path: string): unknown {
  let value = document;
  for (const segment of parseJsonPath(path)) {
    if (typeof segment === 'number' ? !Array.isArray(value) : !isVtlMap(value)) return undefined;
    const container = value as Record<string | number, unknown>;
    if (!Object.hasOwn(container, segment)) return undefined;
    value = container[segment];
  }
  return value;
}

/** A map with no prototype, so user-chosen keys such as `get` or `__proto__` stay plain entries. */
function toVtlMap(record: Readonly<Record<string, string>> | null | undefined): VtlMap {
  const map: VtlMap = Object.create(null);
  for (const [key, value] of Object.entries(record ?? {})) map[key] = value;
  return map;
}

interface InputParams {
  readonly path: VtlMap;
  readonly querystring: VtlMap;
  readonly header: VtlMap;
}

function createInput(body: string, params: InputParams): VtlMap {
  let parsed: { readonly value: unknown } | undefined;
  const document = (): unknown => {
    if (parsed === undefined) {
      // An empty body evaluates as {} (what API Gateway is commonly observed to do; not in the reference).
      parsed = { value: parseRequestBody(javaTrim(body) === '' ? '{}' : body) };
    }
    return parsed.value;
  };
  return {
    body,
    json(path: unknown): string {
      const value = select(document(), String(path));
      // A path that selects nothing: rendered as an empty string (AWS's output here is not documented).
      return value === undefined ? '' : JSON.stringify(value);
    },
    path(path: unknown): unknown {
      return select(document(), String(path));
    },
    params(name?: unknown): unknown {
      if (name === undefined)
        return { path: params.path, querystring: params.querystring, header: params.header };
      // Searched in path, query string, then headers, as documented; the result for a name found nowhere
      // is not documented (an empty string here). The templates do not use this form.
      const key = String(name);
      for (const source of [params.path, params.querystring, params.header]) {
        if (Object.hasOwn(source, key)) return source[key];
      }
      return '';
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// $context

interface ResponseOverride {
  readonly target: VtlMap;
  readonly status: () => string | undefined;
}

/** `$context.responseOverride`: `status` may be assigned once; a second assignment is API Gateway's 5XX. */
function createResponseOverride(): ResponseOverride {
  let status: string | undefined;
  let assigned = false;
  const target: VtlMap = { header: Object.create(null) };
  Object.defineProperty(target, 'status', {
    enumerable: true,
    get: () => status,
    set: (value: unknown) => {
      if (assigned) throw new MappingTemplateError('$context.responseOverride.status is set more than once');
      assigned = true;
      status = value === undefined || value === null ? undefined : String(value);
    },
  });
  return { target, status: () => status };
}

// ---------------------------------------------------------------------------------------------------
// Rendering

function render(ast: TemplateAst, variables: VtlMap): string {
  return new Compile(ast, { customMethodHandlers: javaMethodHandlers }).render(variables);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isVtlMap(value) && Object.values(value).every((entry) => typeof entry === 'string');
}

/** Parses and checks an execution input rendered by the request template. */
export function parseStartSyncExecutionInput(input: string): StartSyncExecutionInput {
  const value: unknown = JSON.parse(input);
  if (
    !isVtlMap(value) ||
    typeof value.requestId !== 'string' ||
    !isVtlMap(value.auth) ||
    typeof value.auth.userId !== 'string' ||
    typeof value.idempotencyKey !== 'string' ||
    !isStringRecord(value.path) ||
    !isStringRecord(value.query) ||
    !('body' in value)
  ) {
    throw new MappingTemplateError('The execution input does not have the documented shape');
  }
  return {
    requestId: value.requestId,
    auth: { userId: value.auth.userId },
    idempotencyKey: value.idempotencyKey,
    path: value.path,
    query: value.query,
    body: value.body,
  };
}

/**
 * Renders schemas/api-gateway/start-sync-execution.request.vtl for one request: the StartSyncExecution
 * request API Gateway would send. Throws InvalidRequestBodyError for a non-JSON body, MappingTemplateError
 * when the rendering is not a valid request (a template bug).
 */
export function renderStartSyncExecutionRequest(
  params: StartSyncExecutionRequestParams,
): StartSyncExecutionRequest {
  const rendered = render(requestAst(params.stateMachineArn), {
    input: createInput(params.body ?? '', {
      path: toVtlMap(params.pathParameters),
      querystring: toVtlMap(params.queryParameters),
      header: toVtlMap(params.headers),
    }),
    util: createUtil(),
    context: {
      requestId: params.requestId,
      ...(params.authorizer ? { authorizer: toVtlMap(params.authorizer) } : {}),
      responseOverride: createResponseOverride().target,
    },
  });
  let request: unknown;
  try {
    request = JSON.parse(rendered);
  } catch {
    throw new MappingTemplateError(`The request template rendered invalid JSON: ${rendered}`);
  }
  if (
    !isVtlMap(request) ||
    typeof request.stateMachineArn !== 'string' ||
    typeof request.name !== 'string' ||
    typeof request.input !== 'string'
  ) {
    throw new MappingTemplateError(
      `The request template rendered no StartSyncExecution request: ${rendered}`,
    );
  }
  parseStartSyncExecutionInput(request.input);
  return { stateMachineArn: request.stateMachineArn, name: request.name, input: request.input };
}

/**
 * Renders schemas/api-gateway/start-sync-execution.response.vtl, with the route's success status, over a
 * StartSyncExecution response: the method response API Gateway would send. Without a status override
 * the status is the integration response's default, 200. Throws MappingTemplateError where API Gateway
 * would answer 5XX.
 */
export function renderStartSyncExecutionResponse(
  response: StartSyncExecutionResponse,
  requestId: string,
  successStatus: SuccessStatus,
): MappedHttpResponse {
  const responseOverride = createResponseOverride();
  const body = render(responseAst(successStatus), {
    input: createInput(JSON.stringify(response), {
      path: toVtlMap({}),
      querystring: toVtlMap({}),
      header: toVtlMap({}),
    }),
    util: createUtil(),
    context: { requestId, responseOverride: responseOverride.target },
  });
  const status = responseOverride.status();
  const statusCode = status === undefined ? 200 : Number(status);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new MappingTemplateError(`Invalid status override ${JSON.stringify(status)}`);
  }
  return { statusCode, body };
}
