/**
 * Checks real responses against the OpenAPI document (schemas/openapi.ts): the operation of the
 * request's method and path must list the status, and the body must match that response's schema.
 * `apiClient` (runtime.ts) checks every response it receives this way.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, unknown>;

// ajv-formats is CommonJS: its default export arrives as the module object under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv2020) => void;

export interface CheckedResponse {
  /** `METHOD /api/path-template` of the documented operation. */
  readonly operation: string;
  readonly status: number;
}

export function responseChecker(document: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('password', true);
  ajv.addSchema(document, 'openapi');
  const paths = document.paths as Record<string, Record<string, Json>>;
  // Literal paths first: /articles/feed is not the article "feed".
  const templates = Object.keys(paths)
    .sort((a, b) => a.split('{').length - b.split('{').length)
    .map((template) => ({
      template,
      pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));

  /**
   * The operation and status a response matched; undefined when no operation has the request's
   * method and path (an unknown route). Throws when the operation does not list the status or the
   * body does not match its schema.
   */
  return (method: string, url: string, status: number, body: unknown): CheckedResponse | undefined => {
    const apiPath = new URL(url, 'http://localhost').pathname.replace(/^\/api/, '');
    const template = templates.find(({ pattern }) => pattern.test(apiPath))?.template;
    const operation = template ? paths[template]?.[method.toLowerCase()] : undefined;
    if (!operation) return undefined;
    const name = `${method} /api${template}`;
    const response = (operation.responses as Record<string, Json>)[String(status)];
    if (!response)
      throw new Error(`${name}: status ${status} is not in the OpenAPI document (schemas/openapi.ts)`);
    const schema = (response.content as Record<string, { schema?: { $ref?: string } }> | undefined)?.[
      'application/json'
    ]?.schema;
    if (!schema) {
      if (body !== undefined) throw new Error(`${name} ${status}: a body where none is documented`);
    } else {
      const validate = ajv.getSchema(`openapi${schema.$ref}`);
      if (!validate) throw new Error(`${name} ${status}: no schema at ${schema.$ref}`);
      if (!validate(body)) {
        throw new Error(
          `${name} ${status}: the body does not match ${schema.$ref}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`,
        );
      }
    }
    return { operation: name, status };
  };
}
