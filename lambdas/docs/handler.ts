/**
 * The API's OpenAPI document (schemas/openapi.ts) at `/api/openapi.json` and Swagger UI at
 * `/api/docs`, its script and style served from the swagger-ui-dist package (no CDN): in AWS they
 * are copied next to the bundle (the `files` of schemas/functions.ts), elsewhere read from
 * node_modules. Paths are built from the request's own path, so the page works under a stage or a
 * base path mapping too.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { findFunction } from '../../schemas/functions.ts';
import { openApiDocument } from '../../schemas/openapi.ts';
import { cors, docsRoutes } from '../../schemas/routes.ts';

const packageFiles = new Map((findFunction('api-docs').files ?? []).map((file) => [basename(file), file]));

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

const fileContents = new Map<string, string>();

function readPackageFile(name: string, packageFile: string): string {
  let text = fileContents.get(name);
  if (text === undefined) {
    const bundled = fileURLToPath(new URL(name, import.meta.url));
    const path = existsSync(bundled) ? bundled : createRequire(import.meta.url).resolve(packageFile);
    text = readFileSync(path, 'utf8');
    fileContents.set(name, text);
  }
  return text;
}

const header = (event: APIGatewayProxyEvent, name: string): string | undefined =>
  Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];

const corsHeaders = {
  'Access-Control-Allow-Origin': cors.allowOrigin,
  'Access-Control-Allow-Headers': cors.allowHeaders.join(','),
  'Access-Control-Allow-Methods': cors.allowMethods.join(','),
};

const respond = (statusCode: number, contentType: string, body: string): APIGatewayProxyResult => ({
  statusCode,
  headers: { ...corsHeaders, 'Content-Type': contentType, 'Cache-Control': 'public, max-age=300' },
  body,
});

const notFound = (): APIGatewayProxyResult =>
  respond(404, 'application/json; charset=utf-8', JSON.stringify({ errors: { file: ['not found'] } }));

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);

function page(apiRoot: string): string {
  const root = escapeHtml(apiRoot);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Conduit API</title>
<link rel="stylesheet" href="${root}/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${root}/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(`${apiRoot}/openapi.json`).replace(/</g, '\\u003c')},
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: true,
});
</script>
</body>
</html>
`;
}

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  // The path the client asked for (with the stage or base path in AWS), cut back to the API root.
  const requestPath = event.requestContext.path ?? event.path;
  const apiRoot = requestPath.replace(/\/(openapi\.json|docs(\/[^/]*)?)\/?$/, '');
  switch (event.resource) {
    case docsRoutes.document.path: {
      const protocol = header(event, 'X-Forwarded-Proto') ?? 'http';
      const serverUrl = `${protocol}://${header(event, 'Host') ?? 'localhost'}${apiRoot}`;
      return respond(
        200,
        'application/json; charset=utf-8',
        JSON.stringify(openApiDocument(serverUrl), null, 2),
      );
    }
    case docsRoutes.page.path:
      return respond(200, 'text/html; charset=utf-8', page(apiRoot));
    default: {
      const name = event.pathParameters?.file ?? '';
      const packageFile = packageFiles.get(name);
      const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.'))];
      if (!packageFile || !type) return notFound();
      return respond(200, type, readPackageFile(name, packageFile));
    }
  }
};
