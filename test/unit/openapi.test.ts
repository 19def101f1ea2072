/**
 * The OpenAPI document (schemas/openapi.ts): it documents exactly the routes of schemas/routes.ts,
 * it is a valid OpenAPI 3.1 document, each workflow route lists the statuses its ASL file can end
 * in and takes the Idempotency-Key header (no other route does), and it agrees with the official
 * RealWorld description (read from ../shared at test time) on every path, status and schema they
 * share, whatever goes beyond it being marked `x-conduit-extension`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { Validator } from '@seriousme/openapi-schema-validator';
import { parse } from 'yaml';
import { type ErrorKind, statusOfError } from '../../lambdas/shared/errors.ts';
import { EXTENSION, openApiDocument, operations, routeKey } from '../../schemas/openapi.ts';
import { fromRoot } from '../../schemas/paths.ts';
import { routes } from '../../schemas/routes.ts';
import { findWorkflow, workflowFile } from '../../schemas/workflows.ts';
import { responseChecker } from '../support/openapi.ts';

type Json = Record<string, unknown>;

const document = openApiDocument('http://localhost:3000/api');
const paths = document.paths as Record<string, Record<string, Json>>;
const operationAt = (method: string, path: string): Json | undefined =>
  paths[path.replace(/^\/api/, '')]?.[method.toLowerCase()];

describe('the OpenAPI document', () => {
  it('documents every route of the table, and nothing else', () => {
    expect(Object.keys(operations).sort()).toEqual(routes.map(routeKey).sort());
    const documented = Object.entries(paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} /api${path}`),
    );
    expect(documented.sort()).toEqual(routes.map(routeKey).sort());
    for (const route of routes) {
      expect(operationAt(route.method, route.path)?.security !== undefined).toBe(route.auth !== 'none');
    }
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it.each(
    routes.flatMap((route) => ('workflow' in route.target ? [[routeKey(route), route.target.workflow]] : [])),
  )('%s lists every status its workflow can fail with', (key, workflow) => {
    const [method = '', path = ''] = key.split(' ');
    const asl = JSON.parse(readFileSync(fromRoot(workflowFile(findWorkflow(workflow))), 'utf8')) as unknown;
    const statuses = new Set<string>();
    const walk = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      const { Type, Error: error } = node as Json;
      if (Type === 'Fail' && typeof error === 'string' && error in statusOfError) {
        statuses.add(String(statusOfError[error as ErrorKind]));
      }
      Object.values(node).forEach(walk);
    };
    walk(asl);
    expect(statuses.size).toBeGreaterThan(0);
    expect(Object.keys(operationAt(method, path)?.responses as Json)).toEqual(
      expect.arrayContaining([...statuses]),
    );
  });
});

describe('the Idempotency-Key header', () => {
  const keyOf = (operation: Json | undefined) =>
    ((operation?.parameters ?? []) as Json[]).find((parameter) => parameter.in === 'header');
  const workflowRoutes = routes.filter((route) => 'workflow' in route.target);

  it.each(workflowRoutes.map((route) => [routeKey(route), route] as const))(
    '%s takes it, with the 409 and 422 it adds',
    (_key, route) => {
      const operation = operationAt(route.method, route.path);
      expect(keyOf(operation)).toMatchObject({ name: 'Idempotency-Key', required: false, [EXTENSION]: true });
      const responses = operation?.responses as Record<string, Json>;
      expect(responses['409']?.description).toMatch(/Idempotency-Key is in use by a request still running/);
      expect(responses['422']?.description).toMatch(
        /Idempotency-Key is not 1 to 255 visible ASCII characters/,
      );
    },
  );

  it('is taken by no route a Lambda serves (login and reads write nothing)', () => {
    const lambdaRoutes = routes.filter((route) => !workflowRoutes.includes(route));
    expect(lambdaRoutes.length).toBeGreaterThan(0);
    for (const route of lambdaRoutes) expect(keyOf(operationAt(route.method, route.path))).toBeUndefined();
  });

  it('admits 1 to 255 visible ASCII characters and nothing else', () => {
    const schema = keyOf(operationAt('POST', '/api/articles'))?.schema as Json;
    const admits = (key: string) =>
      key.length >= (schema.minLength as number) &&
      key.length <= (schema.maxLength as number) &&
      new RegExp(schema.pattern as string).test(key);
    for (const key of ['a', '!', '~', 'x'.repeat(255), '0b7c4e1a-9f7e-4b0e-8c1d-2f3a4b5c6d7e']) {
      expect({ key, admitted: admits(key) }).toEqual({ key, admitted: true });
    }
    for (const key of ['', 'x'.repeat(256), ' ', 'two words', 'tab\t', 'é', '\u007f']) {
      expect({ key, admitted: admits(key) }).toEqual({ key, admitted: false });
    }
  });
});

describe('the response check of the tests (test/support/openapi.ts)', () => {
  const check = responseChecker(document);
  const profile = { username: 'jake', bio: null, image: null, following: false };

  it('accepts a documented response', () => {
    expect(check('GET', '/api/profiles/jake?x=1', 200, { profile })).toEqual({
      operation: 'GET /api/profiles/{username}',
      status: 200,
    });
    expect(check('GET', '/api/articles/feed', 401, { errors: { token: ['is missing'] } })).toEqual({
      operation: 'GET /api/articles/feed',
      status: 401,
    });
    expect(check('DELETE', '/api/articles/a-slug', 204, undefined)?.status).toBe(204);
  });

  it('refuses an undocumented status, a body off its schema, and a body where none is documented', () => {
    expect(() => check('GET', '/api/tags', 404, { errors: { tag: ['x'] } })).toThrow(/status 404/);
    expect(() => check('GET', '/api/profiles/jake', 200, { profile: { ...profile, email: 'leak' } })).toThrow(
      /additional properties/,
    );
    expect(() => check('GET', '/api/profiles/jake', 200, { profile: { ...profile, bio: 3 } })).toThrow(/bio/);
    expect(() => check('DELETE', '/api/articles/a-slug', 204, {})).toThrow(/none is documented/);
  });

  it('leaves unknown routes alone', () => {
    expect(check('GET', '/api/nothing-here', 404, { errors: { route: ['not found'] } })).toBeUndefined();
  });
});

// ---- agreement with the official RealWorld description ----

const officialPath = fromRoot('../shared/realworld/v2/openapi.yml');
const official = existsSync(officialPath) ? (parse(readFileSync(officialPath, 'utf8')) as Json) : undefined;

function lookup(root: Json, node: Json): Json {
  let current = node;
  while (typeof current.$ref === 'string') {
    current = (current.$ref as string)
      .slice(2)
      .split('/')
      .reduce<unknown>((parent, segment) => (parent as Json)[segment], root) as Json;
  }
  return current;
}

const typesOf = (schema: Json): string[] =>
  (Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type]).sort();

/** Keywords that bound a value (ours or RealWorld's). */
const BOUNDS = ['minLength', 'maxLength', 'minimum', 'maximum', 'maxItems', 'pattern', 'default'];
const COMPARED = new Set([
  ...BOUNDS,
  'type',
  'format',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'propertyNames',
  'description',
  '$ref',
  EXTENSION,
]);

/**
 * Differences between one of our schemas and RealWorld's, except the bounds of a schema marked as
 * ours. `response`: we may promise more (no other properties) than RealWorld asks of a server.
 */
function compareSchemas(ours: Json, theirs: Json, where: string, response: boolean): string[] {
  const a = lookup(document, ours);
  const b = lookup(official as Json, theirs);
  const findings: string[] = [];
  const unknown = Object.keys(a).filter((keyword) => !COMPARED.has(keyword));
  if (unknown.length) findings.push(`${where}: keywords the comparison does not know: ${unknown.join(', ')}`);
  if (JSON.stringify(typesOf(a)) !== JSON.stringify(typesOf(b))) {
    findings.push(`${where}: type ${typesOf(a)} where RealWorld has ${typesOf(b)}`);
  }
  if (b.format !== undefined && a.format !== b.format) findings.push(`${where}: format ${a.format}`);
  const differentBounds = BOUNDS.filter(
    (keyword) => JSON.stringify(a[keyword]) !== JSON.stringify(b[keyword]),
  );
  if (a[EXTENSION] === true) {
    if (differentBounds.length === 0) findings.push(`${where}: marked as ours but RealWorld has the same`);
    if (differentBounds.some((keyword) => b[keyword] !== undefined && a[keyword] === undefined)) {
      findings.push(`${where}: drops a bound of RealWorld`);
    }
  } else if (differentBounds.length) {
    findings.push(`${where}: ${differentBounds.join(', ')} differ and are not marked as ours`);
  }
  const propertiesA = (a.properties ?? {}) as Record<string, Json>;
  const propertiesB = (b.properties ?? {}) as Record<string, Json>;
  // A property RealWorld lacks must be marked as ours (nextCursor).
  const namesA = Object.keys(propertiesA)
    .filter((name) => name in propertiesB || lookup(document, propertiesA[name] as Json)[EXTENSION] !== true)
    .sort();
  const namesB = Object.keys(propertiesB).sort();
  if (JSON.stringify(namesA) !== JSON.stringify(namesB)) {
    findings.push(`${where}: properties ${namesA} where RealWorld has ${namesB}`);
  }
  const requiredA = [...((a.required ?? []) as string[])].sort();
  const requiredB = [...((b.required ?? []) as string[])].sort();
  if (JSON.stringify(requiredA) !== JSON.stringify(requiredB)) {
    findings.push(`${where}: required ${requiredA} where RealWorld has ${requiredB}`);
  }
  for (const name of namesA.filter((property) => property in propertiesB)) {
    findings.push(
      ...compareSchemas(propertiesA[name] as Json, propertiesB[name] as Json, `${where}.${name}`, response),
    );
  }
  if (a.items || b.items) {
    findings.push(
      ...compareSchemas((a.items ?? {}) as Json, (b.items ?? {}) as Json, `${where}[]`, response),
    );
  }
  if (typeof b.additionalProperties === 'object') {
    findings.push(
      ...compareSchemas(
        (a.additionalProperties ?? {}) as Json,
        b.additionalProperties as Json,
        `${where}{}`,
        response,
      ),
    );
  } else if (a.additionalProperties === false && !response) {
    findings.push(`${where}: refuses other properties, RealWorld does not`);
  }
  if (a.propertyNames && JSON.stringify(a.propertyNames) !== '{"type":"string"}') {
    findings.push(`${where}: propertyNames ${JSON.stringify(a.propertyNames)}`);
  }
  return findings;
}

const jsonSchemaOf = (root: Json, holder: Json | undefined): Json | undefined => {
  const resolved = holder ? lookup(root, holder) : undefined;
  return (resolved?.content as Record<string, { schema?: Json }> | undefined)?.['application/json']?.schema;
};

/** Differences between our operation and RealWorld's; `omitted`: their statuses we never answer. */
function compareOperation(key: string, ours: Json, theirs: Json, omitted: string[]): string[] {
  const findings: string[] = [];
  const parametersOf = (root: Json, operation: Json) =>
    new Map(
      ((operation.parameters ?? []) as Json[])
        .map((parameter) => lookup(root, parameter))
        .map((parameter) => [`${parameter.in} ${parameter.name}`, parameter]),
    );
  const ourParameters = parametersOf(document, ours);
  const theirParameters = parametersOf(official as Json, theirs);
  for (const [name, parameter] of ourParameters) {
    const their = theirParameters.get(name);
    if (!their) {
      if (parameter[EXTENSION] !== true) findings.push(`${key} ${name}: not RealWorld's, not marked as ours`);
      continue;
    }
    if (Boolean(parameter.required) !== Boolean(their.required)) findings.push(`${key} ${name}: required`);
    findings.push(...compareSchemas(parameter.schema as Json, their.schema as Json, `${key} ${name}`, false));
  }
  for (const name of theirParameters.keys()) {
    if (!ourParameters.has(name)) findings.push(`${key}: RealWorld's parameter ${name} is missing`);
  }

  const ourBody = jsonSchemaOf(document, ours.requestBody as Json | undefined);
  const theirBody = jsonSchemaOf(official as Json, theirs.requestBody as Json | undefined);
  if (Boolean(ourBody) !== Boolean(theirBody)) findings.push(`${key}: request body on one side only`);
  if (ourBody && theirBody) findings.push(...compareSchemas(ourBody, theirBody, `${key} body`, false));

  const ourResponses = ours.responses as Record<string, Json>;
  const theirResponses = theirs.responses as Record<string, Json>;
  for (const [status, response] of Object.entries(ourResponses)) {
    const their = theirResponses[status];
    if (!their) {
      if (response[EXTENSION] !== true)
        findings.push(`${key} ${status}: not RealWorld's, not marked as ours`);
      continue;
    }
    if (response[EXTENSION] === true) findings.push(`${key} ${status}: marked as ours but RealWorld has it`);
    const ourSchema = jsonSchemaOf(document, response);
    const theirSchema = jsonSchemaOf(official as Json, their);
    if (Boolean(ourSchema) !== Boolean(theirSchema)) findings.push(`${key} ${status}: body on one side only`);
    if (ourSchema && theirSchema)
      findings.push(...compareSchemas(ourSchema, theirSchema, `${key} ${status}`, true));
  }
  omitted.push(
    ...Object.keys(theirResponses)
      .filter((status) => !(status in ourResponses))
      .map((s) => `${key} ${s}`),
  );

  const anonymous = (operation: Json) =>
    operation.security === undefined ||
    (operation.security as Json[]).some((entry) => !Object.keys(entry).length);
  if (anonymous(ours) !== anonymous(theirs)) findings.push(`${key}: token required on one side only`);
  return findings;
}

const describeOfficial = official ? describe : describe.skip;

describeOfficial(
  official
    ? 'agreement with the official RealWorld description (../shared/realworld/v2/openapi.yml)'
    : `agreement with the official RealWorld description: SKIPPED, ${officialPath} is absent`,
  () => {
    const theirPaths = (official?.paths ?? {}) as Record<string, Record<string, Json>>;
    const omitted: string[] = [];
    const findings = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).flatMap(([method, operation]) => {
        const theirs = theirPaths[path]?.[method];
        const key = `${method.toUpperCase()} ${path}`;
        return theirs ? compareOperation(key, operation, theirs, omitted) : [`${key}: not in RealWorld`];
      }),
    );

    it('has every RealWorld operation', () => {
      const theirs = Object.entries(theirPaths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      );
      const ours = Object.entries(paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(ours.sort()).toEqual(theirs.sort());
    });

    it('agrees on every parameter, body, status and schema they share; the rest is marked as ours', () => {
      expect(findings).toEqual([]);
    });

    it('leaves out only the 422s of routes that take nothing to validate', () => {
      // RealWorld lists a 422 on every operation; these reads take no body, no query and no
      // Idempotency-Key, so nothing they receive can be invalid (a bad path parameter names nothing: 404).
      expect(omitted.sort()).toEqual(
        ['GET /user 422', 'GET /profiles/{username} 422', 'GET /articles/{slug} 422', 'GET /tags 422'].sort(),
      );
    });

    it('marks the places it goes beyond RealWorld', () => {
      const marked = JSON.stringify(document).split(`"${EXTENSION}":true`).length - 1;
      expect(marked).toBeGreaterThan(0);
      expect(operationAt('PUT', '/api/user')?.responses).toHaveProperty(['409', EXTENSION], true);
      expect(operationAt('PUT', '/api/articles/{slug}')?.responses).toHaveProperty(['409', EXTENSION], true);
      expect(operationAt('GET', '/api/tags')?.responses).toHaveProperty(['503', EXTENSION], true);
      expect(operationAt('DELETE', '/api/articles/{slug}')?.responses).toHaveProperty(
        ['409', EXTENSION],
        true,
      );
      expect(operationAt('POST', '/api/articles')?.responses).not.toHaveProperty(['409', EXTENSION]);
    });
  },
);
