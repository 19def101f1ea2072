/**
 * The REST API of schemas/routes.ts.
 *
 * - `workflow` routes: an AWS integration calling states:StartSyncExecution on the route's EXPRESS
 *   state machine. Request and response mapping templates are the files in schemas/api-gateway/, the
 *   same the local gateway renders: the request passes path, query, body and the authorizer's userId,
 *   never a header; the response answers a success with the route's `successStatus` and the
 *   execution's output as the body, and maps the closed set of Fail errors to 401/403/404/409/422/503
 *   through `$context.responseOverride.status` (StartSyncExecution answers 200 even for a failed
 *   execution). Integration responses are explicit; a 4XX/5XX from Step Functions
 *   itself (throttling, an oversized input) becomes a RealWorld-shaped 500.
 * - `lambda` routes: Lambda proxy integration; so are the `docsRoutes` (the OpenAPI document and its
 *   page, public).
 * - auth `optional`: the REQUEST authorizer (the function of kind `authorizer`) with no identity
 *   sources and caching off, so it runs for anonymous requests too and decides itself. `required`:
 *   the same function behind a second authorizer cached by the Authorization header
 *   (`requiredAuthCache`), so a signed-in client costs one invocation per token per TTL.
 * - CORS: preflight from `cors`, the Allow-Origin header on every integration response, and CORS
 *   headers on API Gateway's own responses (`gatewayResponses` bodies, plus DEFAULT_4XX/5XX).
 * - Stage: throttling, JSON access logs, execution logging at ERROR without data trace (which would
 *   log the Authorization header), X-Ray.
 */
import { readFileSync } from 'node:fs';
import { Duration } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  AwsIntegration,
  Cors,
  EndpointType,
  type IAuthorizer,
  IdentitySource,
  type Integration,
  type IntegrationResponse,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  MethodLoggingLevel,
  type MethodResponse,
  PassthroughBehavior,
  RequestAuthorizer,
  ResponseType,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
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
import { findWorkflow } from '../../schemas/workflows.ts';
import type { StageConfig } from '../config.ts';
import { acknowledge } from '../nag.ts';
import type { ConduitFunctions } from './functions.ts';
import type { ConduitWorkflows } from './workflows.ts';

export interface ConduitApiProps {
  readonly config: StageConfig;
  readonly functions: ConduitFunctions;
  readonly workflows: ConduitWorkflows;
}

/**
 * Every status the response template can set (success, the Fail error kinds, 503 for a service
 * failure the retries did not outlast, and its 500 fallback).
 */
export const WORKFLOW_RESPONSE_STATUSES = [
  '200',
  '201',
  '204',
  '401',
  '403',
  '404',
  '409',
  '422',
  '500',
  '503',
] as const;

/** Body of a failure of the StartSyncExecution call itself (same as the response template's fallback). */
const INTERNAL_ERROR_BODY = JSON.stringify({ errors: { server: ['internal error'] } });

const quoted = (value: string): string => `'${value}'`;

const CORS_HEADERS = {
  'Access-Control-Allow-Origin': quoted(cors.allowOrigin),
  'Access-Control-Allow-Headers': quoted(cors.allowHeaders.join(',')),
  'Access-Control-Allow-Methods': quoted(cors.allowMethods.join(',')),
};
const ALLOW_ORIGIN_PARAMETER = 'method.response.header.Access-Control-Allow-Origin';
const EXPOSE_HEADERS_PARAMETER = 'method.response.header.Access-Control-Expose-Headers';
const EXECUTION_PARAMETER = `method.response.header.${executionHeader}`;

export class ConduitApi extends Construct {
  readonly restApi: RestApi;

  private readonly authorizers: Record<'optional' | 'required', IAuthorizer>;
  private readonly statesRole: Role;
  private readonly requestTemplate = readFileSync(requestTemplatePath, 'utf8');
  private readonly responseTemplate = readFileSync(responseTemplatePath, 'utf8');

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ConduitApiProps,
  ) {
    super(scope, id);
    const { config } = props;
    if (!this.requestTemplate.includes(stateMachineArnPlaceholder)) {
      throw new Error(`${requestTemplatePath} has no ${stateMachineArnPlaceholder} placeholder`);
    }
    if (!this.responseTemplate.includes(successStatusPlaceholder)) {
      throw new Error(`${responseTemplatePath} has no ${successStatusPlaceholder} placeholder`);
    }

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    this.restApi = new RestApi(this, 'RestApi', {
      restApiName: `conduit-${config.stage}`,
      description: `Conduit (RealWorld) API, stage ${config.stage}`,
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: true,
      deployOptions: {
        stageName: config.stage,
        throttlingRateLimit: config.throttling.rateLimit,
        throttlingBurstLimit: config.throttling.burstLimit,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            resourcePath: '$context.resourcePath',
            path: '$context.path',
            status: '$context.status',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationStatus: '$context.integration.status',
            integrationLatencyMs: '$context.integration.latency',
            errorMessage: '$context.error.message',
            authorizerError: '$context.authorizer.error',
            userId: '$context.authorizer.userId',
          }),
        ),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
        tracingEnabled: true,
      },
      defaultCorsPreflightOptions: {
        allowOrigins: cors.allowOrigin === '*' ? Cors.ALL_ORIGINS : [cors.allowOrigin],
        allowHeaders: [...cors.allowHeaders],
        allowMethods: [...cors.allowMethods],
        maxAge: Duration.seconds(cors.maxAgeSeconds),
      },
    });

    for (const [type, response] of Object.entries(gatewayResponses)) {
      this.restApi.addGatewayResponse(`Gateway${type}`, {
        type: ResponseType.of(type),
        statusCode: String(response.statusCode),
        responseHeaders: CORS_HEADERS,
        templates: { 'application/json': JSON.stringify(response.body) },
      });
    }
    for (const type of [ResponseType.DEFAULT_4XX, ResponseType.DEFAULT_5XX]) {
      if (type.responseType in gatewayResponses) continue;
      this.restApi.addGatewayResponse(`Gateway${type.responseType}`, { type, responseHeaders: CORS_HEADERS });
    }

    const authorizers = functions.filter((definition) => definition.kind === 'authorizer');
    if (authorizers.length !== 1 || !authorizers[0]) {
      throw new Error('schemas/functions.ts must define exactly one function of kind "authorizer"');
    }
    const authorizerFunction = props.functions.get(authorizers[0].name);
    this.authorizers = {
      // No identity source and no cache: the authorizer runs for every request, with or without a
      // token, which is what lets optional-auth routes serve anonymous readers.
      optional: new RequestAuthorizer(this, 'Authorizer', {
        authorizerName: `conduit-${config.stage}-authorizer`,
        handler: authorizerFunction,
        identitySources: [],
        resultsCacheTtl: Duration.seconds(0),
      }),
      required: new RequestAuthorizer(this, 'CachedAuthorizer', {
        authorizerName: `conduit-${config.stage}-cached-authorizer`,
        handler: authorizerFunction,
        identitySources: [IdentitySource.header(requiredAuthCache.identityHeader)],
        resultsCacheTtl: Duration.seconds(requiredAuthCache.ttlSeconds),
      }),
    };

    this.statesRole = new Role(this, 'StartSyncExecutionRole', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description: 'API Gateway starts the express workflows of the API routes',
    });

    const served = [...routes, ...Object.values(docsRoutes)];
    const publicRoutes = new Set(
      served.filter((route) => route.auth === 'none').map((r) => `${r.method} ${r.path}`),
    );
    for (const route of served) {
      const integration = this.integrationFor(route);
      const resource = this.restApi.root.resourceForPath(route.path);
      const secured = route.auth !== 'none';
      resource.addMethod(route.method, integration.integration, {
        authorizationType: secured ? AuthorizationType.CUSTOM : AuthorizationType.NONE,
        authorizer: route.auth === 'none' ? undefined : this.authorizers[route.auth],
        methodResponses: integration.methodResponses,
      });
    }
    // Public by design; CORS preflight (OPTIONS) methods are not flagged by cdk-nag.
    this.acknowledgeFindings(
      this.restApi.methods.filter((method) =>
        publicRoutes.has(`${method.httpMethod} ${method.resource.path}`),
      ),
    );
  }

  /** The route's integration; a target missing from the registries fails the synth. */
  private integrationFor(route: Route): { integration: Integration; methodResponses?: MethodResponse[] } {
    if ('lambda' in route.target) {
      return {
        integration: new LambdaIntegration(this.props.functions.get(route.target.lambda), {
          proxy: true,
          allowTestInvoke: false,
        }),
      };
    }
    const name = route.target.workflow;
    const workflow = findWorkflow(name);
    if (workflow.type !== 'EXPRESS') {
      throw new Error(
        `Route ${route.method} ${route.path}: workflow "${name}" must be EXPRESS to start it synchronously`,
      );
    }
    const stateMachine = this.props.workflows.get(name);
    stateMachine.grantStartSyncExecution(this.statesRole);
    return {
      integration: this.startSyncExecutionIntegration(
        stateMachine.stateMachineArn,
        route.target.successStatus,
      ),
      methodResponses: WORKFLOW_RESPONSE_STATUSES.map((statusCode) => ({
        statusCode,
        responseParameters: {
          [ALLOW_ORIGIN_PARAMETER]: true,
          [EXPOSE_HEADERS_PARAMETER]: true,
          [EXECUTION_PARAMETER]: true,
        },
      })),
    };
  }

  private startSyncExecutionIntegration(
    stateMachineArn: string,
    successStatus: SuccessStatus,
  ): AwsIntegration {
    const corsParameters = { [ALLOW_ORIGIN_PARAMETER]: quoted(cors.allowOrigin) };
    const failure = (selectionPattern: string): IntegrationResponse => ({
      selectionPattern,
      statusCode: '500',
      responseParameters: corsParameters,
      responseTemplates: { 'application/json': INTERNAL_ERROR_BODY },
    });
    return new AwsIntegration({
      service: 'states',
      action: 'StartSyncExecution',
      integrationHttpMethod: 'POST',
      options: {
        credentialsRole: this.statesRole,
        passthroughBehavior: PassthroughBehavior.NEVER,
        requestTemplates: {
          'application/json': this.requestTemplate.replaceAll(stateMachineArnPlaceholder, stateMachineArn),
        },
        integrationResponses: [
          {
            // The default response: the execution ran (whatever its outcome); the template decides.
            statusCode: '200',
            // The execution's name, from StartSyncExecution's answer (whatever status the template sets).
            responseParameters: {
              ...corsParameters,
              [EXPOSE_HEADERS_PARAMETER]: quoted(cors.exposeHeaders.join(',')),
              [EXECUTION_PARAMETER]: 'integration.response.body.name',
            },
            responseTemplates: {
              'application/json': this.responseTemplate.replaceAll(
                successStatusPlaceholder,
                String(successStatus),
              ),
            },
          },
          failure('4\\d{2}'),
          failure('5\\d{2}'),
        ],
      },
    });
  }

  private acknowledgeFindings(publicMethods: readonly Method[]): void {
    acknowledge(
      this.restApi,
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Bodies are validated by the workflows and Lambdas (zod) so failures carry the RealWorld 422 error format; API Gateway validation would answer in its own format.',
      },
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'No WAF web ACL in the base deployment (≈ $5+/month fixed); stage throttling limits abuse. Attach one per environment if needed.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Authentication is the RealWorld JWT ("Authorization: Token <jwt>") verified by the REQUEST authorizer, not Cognito.',
      },
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "API Gateway's account-level CloudWatch role (execution logging) uses the AWS managed policy made for exactly this.",
      },
    );
    for (const method of publicMethods) {
      acknowledge(method, {
        id: 'AwsSolutions-APIG4',
        reason:
          'Public by the RealWorld spec (registration, login, tags) or as documentation (the OpenAPI document and its page): the route takes no token.',
      });
    }
  }
}
