import { readFileSync } from 'node:fs';
import { Match } from 'aws-cdk-lib/assertions';
import { WORKFLOW_RESPONSE_STATUSES } from '../../cdk/constructs/api.ts';
import {
  renderStartSyncExecutionResponse,
  type StartSyncExecutionResponse,
} from '../../local/api-gateway-templates.ts';
import {
  requestTemplatePath,
  responseTemplatePath,
  stateMachineArnPlaceholder,
  successStatusPlaceholder,
} from '../../schemas/api-gateway/templates.ts';
import { functions } from '../../schemas/functions.ts';
import {
  cors,
  docsRoutes,
  executionHeader,
  gatewayResponses,
  type Route,
  requiredAuthCache,
  routes,
  type SuccessStatus,
} from '../../schemas/routes.ts';
import { actionsOf, logicalId, statementsOfRole, synthesize } from './synth.ts';

const dev = synthesize('dev');
const app = dev.stacks.application;
const template = dev.application;
const resources = template.toJSON().Resources as Record<
  string,
  { Type: string; Properties: Record<string, unknown> }
>;

/** The API's routes and the docs routes: every one is deployed. */
const served = [...routes, ...Object.values(docsRoutes)];

/** Full path of an AWS::ApiGateway::Resource, rebuilt from its PathPart/ParentId chain. */
function pathOf(resourceId: unknown): string {
  if (typeof resourceId === 'object' && resourceId !== null && 'Fn::GetAtt' in resourceId) return '';
  const id = (resourceId as { Ref: string }).Ref;
  const resource = resources[id];
  if (!resource) throw new Error(`unknown resource ${id}`);
  return `${pathOf(resource.Properties.ParentId)}/${resource.Properties.PathPart}`;
}

function methodFor(route: Route) {
  const found = Object.values(resources).filter(
    (resource) =>
      resource.Type === 'AWS::ApiGateway::Method' &&
      resource.Properties.HttpMethod === route.method &&
      pathOf(resource.Properties.ResourceId) === route.path,
  );
  expect(found).toHaveLength(1);
  return found[0]?.Properties as Record<string, never>;
}

/** The authorizer of each auth mode: the uncached one (no identity source) and the cached one. */
const authorizerIds = Object.fromEntries(
  Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::ApiGateway::Authorizer')
    .map(([id, r]) => [r.Properties.IdentitySource === '' ? 'optional' : 'required', id]),
);

describe('API: the routes of schemas/routes.ts', () => {
  test('every route is deployed (a target missing from the registries fails the synth)', () => {
    const methods = Object.values(resources).filter(
      (r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties.HttpMethod !== 'OPTIONS',
    );
    expect(methods).toHaveLength(served.length);
  });

  test.each(served.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s',
    (_label, route) => {
      const method = methodFor(route);
      if (route.auth === 'none') {
        expect(method.AuthorizationType).toBe('NONE');
        expect(method.AuthorizerId).toBeUndefined();
      } else {
        expect(method.AuthorizationType).toBe('CUSTOM');
        expect(method.AuthorizerId).toEqual({ Ref: authorizerIds[route.auth] });
      }
      const integration = method.Integration as unknown as Record<string, unknown>;
      if ('lambda' in route.target) {
        expect(integration.Type).toBe('AWS_PROXY');
        expect(JSON.stringify(integration.Uri)).toContain(logicalId(app.functions.get(route.target.lambda)));
        return;
      }
      const stateMachineId = logicalId(app.workflows.get(route.target.workflow));
      expect(integration).toEqual(
        expect.objectContaining({
          Type: 'AWS',
          IntegrationHttpMethod: 'POST',
          PassthroughBehavior: 'NEVER',
          Uri: expect.objectContaining({
            'Fn::Join': ['', expect.arrayContaining([':states:action/StartSyncExecution'])],
          }),
        }),
      );
      // The request template is the shared file, its placeholder replaced by this route's state machine.
      const join = (integration.RequestTemplates as Record<string, { 'Fn::Join': [string, unknown[]] }>)[
        'application/json'
      ]?.['Fn::Join'];
      const rendered = (join?.[1] ?? [])
        .map((part) =>
          typeof part === 'string'
            ? part
            : JSON.stringify(part) === JSON.stringify({ Ref: stateMachineId })
              ? stateMachineArnPlaceholder
              : '<?>',
        )
        .join('');
      expect(rendered).toBe(readFileSync(requestTemplatePath, 'utf8'));
      // No header but Idempotency-Key, never the Authorization header: only comment lines and the
      // lookup of that one header by its name may mention headers.
      const code = rendered.split('\n').filter((line) => !line.startsWith('##'));
      expect(code.filter((line) => /header/i.test(line))).toEqual([
        '#foreach($headerName in $input.params().header.keySet())##',
        '#if($headerName.toLowerCase() == "idempotency-key")##',
        '#set($idempotencyKey = "$!input.params().header.get($headerName)")##',
      ]);
      expect(code.join('\n')).not.toMatch(/authorization/i);
      // One default response carrying the shared response template with this route's success status,
      // plus the failures of the call itself.
      const responseTemplate = readFileSync(responseTemplatePath, 'utf8');
      expect(responseTemplate).toContain(successStatusPlaceholder);
      expect(integration.IntegrationResponses).toEqual([
        {
          StatusCode: '200',
          ResponseTemplates: {
            'application/json': responseTemplate.replaceAll(
              successStatusPlaceholder,
              String(route.target.successStatus),
            ),
          },
          // The execution's name, for the developer to find it (CORS lets browsers read it).
          ResponseParameters: {
            'method.response.header.Access-Control-Allow-Origin': `'${cors.allowOrigin}'`,
            'method.response.header.Access-Control-Expose-Headers': `'${cors.exposeHeaders.join(',')}'`,
            [`method.response.header.${executionHeader}`]: 'integration.response.body.name',
          },
        },
        expect.objectContaining({ SelectionPattern: '4\\d{2}', StatusCode: '500' }),
        expect.objectContaining({ SelectionPattern: '5\\d{2}', StatusCode: '500' }),
      ]);
      const methodResponses = method.MethodResponses as unknown as {
        StatusCode: string;
        ResponseParameters: Record<string, boolean>;
      }[];
      expect(methodResponses.map((response) => response.StatusCode)).toEqual([...WORKFLOW_RESPONSE_STATUSES]);
      for (const response of methodResponses) {
        expect(response.ResponseParameters[`method.response.header.${executionHeader}`]).toBe(true);
      }
    },
  );

  test('the docs routes are public and reach the api-docs function, which may only write its logs', () => {
    const docsFunction = app.functions.get('api-docs');
    for (const route of Object.values(docsRoutes)) {
      const method = methodFor(route);
      expect(method.AuthorizationType).toBe('NONE');
      expect(JSON.stringify(method.Integration)).toContain(logicalId(docsFunction));
    }
    const role = logicalId(docsFunction.role as never);
    const actions = statementsOfRole(template, role).flatMap(actionsOf);
    expect(actions.length).toBeGreaterThan(0);
    for (const action of actions) expect(action).toMatch(/^(logs:(CreateLogStream|PutLogEvents)|xray:)/);
  });

  test('API Gateway may start exactly the routed express workflows, synchronously', () => {
    const routed = [
      ...new Set(routes.flatMap((route) => ('workflow' in route.target ? [route.target.workflow] : []))),
    ];
    const statements = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('ApiStartSyncExecutionRole'))
      .flatMap(
        ([, policy]) => policy.Properties.PolicyDocument.Statement as { Action: string; Resource: unknown }[],
      );
    expect(new Set(statements.map((statement) => statement.Action))).toEqual(
      new Set(['states:StartSyncExecution']),
    );
    expect(
      statements
        .flatMap((statement) =>
          Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource],
        )
        .map((resource) => JSON.stringify(resource))
        .sort(),
    ).toEqual(routed.map((name) => JSON.stringify({ Ref: logicalId(app.workflows.get(name)) })).sort());
  });
});

describe('API: the response template, rendered as API Gateway will', () => {
  const succeeded = (output: unknown): StartSyncExecutionResponse => ({
    status: 'SUCCEEDED',
    output: JSON.stringify(output),
  });
  const failed = (error: string): StartSyncExecutionResponse => ({
    status: 'FAILED',
    error,
    cause: JSON.stringify({ errors: { body: ['is wrong'] } }),
  });
  const cases: [string, StartSyncExecutionResponse, number][] = [
    ['success 200', succeeded({ user: {} }), 200],
    ['created 201', succeeded({ article: {} }), 201],
    ['no content 204', succeeded({}), 204],
    ['Validation', failed('Validation'), 422],
    ['Unauthorized', failed('Unauthorized'), 401],
    ['Forbidden', failed('Forbidden'), 403],
    ['NotFound', failed('NotFound'), 404],
    ['Conflict', failed('Conflict'), 409],
    ['Unavailable', failed('Unavailable'), 503],
    ['a task bug', failed('Lambda.Unknown'), 500],
    ['DynamoDB failing beyond the retries', failed('DynamoDb.InternalServerErrorException'), 503],
    ['a timeout', { status: 'TIMED_OUT' }, 500],
  ];

  test.each(cases)('%s → %i, a status the method declares with CORS', (_label, response, status) => {
    const mapped = renderStartSyncExecutionResponse(
      response,
      'request-1',
      response.status === 'SUCCEEDED' ? (status as SuccessStatus) : 200,
    );
    expect(mapped.statusCode).toBe(status);
    expect(WORKFLOW_RESPONSE_STATUSES).toContain(String(status));
  });
});

describe('API: authorizer, CORS, gateway responses, stage', () => {
  const authorizerUri = () => {
    const authorizer = functions.find((fn) => fn.kind === 'authorizer');
    return Match.objectLike({
      'Fn::Join': [
        '',
        Match.arrayWith([{ 'Fn::GetAtt': [logicalId(app.functions.get(authorizer?.name ?? '')), 'Arn'] }]),
      ],
    });
  };

  test('two REQUEST authorizers on the authorizer function, one per auth mode', () => {
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 2);
    expect(Object.keys(authorizerIds).sort()).toEqual(['optional', 'required']);
  });

  test('optional auth: no identity source, no cache, so anonymous requests reach the function', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: '',
      AuthorizerUri: authorizerUri(),
    });
  });

  test('required auth: cached by the Authorization header for the TTL of requiredAuthCache', () => {
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      AuthorizerResultTtlInSeconds: requiredAuthCache.ttlSeconds,
      IdentitySource: `method.request.header.${requiredAuthCache.identityHeader}`,
      AuthorizerUri: authorizerUri(),
    });
  });

  test.each(Object.entries(gatewayResponses))(
    'gateway response %s: status, RealWorld body, CORS headers',
    (type, response) => {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        StatusCode: String(response.statusCode),
        ResponseTemplates: { 'application/json': JSON.stringify(response.body) },
        ResponseParameters: {
          'gatewayresponse.header.Access-Control-Allow-Origin': `'${cors.allowOrigin}'`,
          'gatewayresponse.header.Access-Control-Allow-Headers': `'${cors.allowHeaders.join(',')}'`,
          'gatewayresponse.header.Access-Control-Allow-Methods': `'${cors.allowMethods.join(',')}'`,
        },
      });
    },
  );

  test('every other 4XX/5XX of API Gateway carries CORS headers too', () => {
    for (const type of ['DEFAULT_4XX', 'DEFAULT_5XX']) {
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: type,
        ResponseParameters: Match.objectLike({
          'gatewayresponse.header.Access-Control-Allow-Origin': `'${cors.allowOrigin}'`,
        }),
      });
    }
  });

  test('CORS preflight on every resource of a route', () => {
    const preflights = Object.values(resources).filter(
      (r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties.HttpMethod === 'OPTIONS',
    );
    const paths = new Set(preflights.map((r) => pathOf(r.Properties.ResourceId)));
    for (const route of routes) expect(paths).toContain(route.path);
    template.hasResourceProperties('AWS::ApiGateway::Method', {
      HttpMethod: 'OPTIONS',
      AuthorizationType: 'NONE',
      Integration: Match.objectLike({
        Type: 'MOCK',
        IntegrationResponses: [
          Match.objectLike({
            ResponseParameters: Match.objectLike({
              'method.response.header.Access-Control-Allow-Headers': `'${cors.allowHeaders.join(',')}'`,
              'method.response.header.Access-Control-Allow-Origin': `'${cors.allowOrigin}'`,
              'method.response.header.Access-Control-Max-Age': `'${cors.maxAgeSeconds}'`,
            }),
          }),
        ],
      }),
    });
  });

  test('stage: throttled, JSON access logs, errors-only execution logs without data trace, X-Ray', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'dev',
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: Match.anyValue(),
        Format: Match.serializedJson(
          Match.objectLike({ requestId: '$context.requestId', status: '$context.status' }),
        ),
      },
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 20,
          ThrottlingBurstLimit: 40,
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
        }),
      ],
    });
  });
});
