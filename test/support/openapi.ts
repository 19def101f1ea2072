/**
 * Checks real responses against the OpenAPI document (schemas/openapi.ts): the operation of the
 * request's method and path must list the status, and the body must match that response's schema.
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

  /** Throws unless the response is documented; returns the operation and status it matched. */
  return (method: string, url: string, status: number, body: unknown): CheckedResponse => {
    const apiPath = new URL(url, 'http://localhost').pathname.replace(/^\/api/, '');
    const template = templates.find(({ pattern }) => pattern.test(apiPath))?.template;
    const operation = template ? paths[template]?.[method.toLowerCase()] : undefined;
    const name = `${method} /api${template ?? apiPath}`;
    if (!operation) throw new Error(`${name}: not in the OpenAPI document`);
    const response = (operation.responses as Record<string, Json>)[String(status)];
    if (!response) throw new Error(`${name}: status ${status} is not documented`);
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
