/**
 * Every Lambda function of schemas/functions.ts, with the project's defaults set once here:
 * Node.js 22 on ARM64, esbuild bundling (ESM, minified, source maps), X-Ray tracing, an explicit log
 * group with the stage's retention, the Powertools environment, and a role of its own that grants
 * exactly what the definition declares: its tables (read / write / readwrite), the JWT secret
 * (the key pair to sign, the public key alone to verify) and the search domain.
 */
import { createRequire } from 'node:module';
import { basename } from 'node:path';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  Architecture,
  type Code,
  type FunctionProps,
  type IFunction,
  Function as LambdaFunction,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import {
  type FunctionDefinition,
  functions,
  metricsNamespace,
  type TableAccess,
} from '../../schemas/functions.ts';
import { pascalCase } from '../../schemas/naming.ts';
import { fromRoot, repoRoot } from '../../schemas/paths.ts';
import { type TableId, tableEnvVar, tables } from '../../schemas/tables.ts';
import type { StageConfig } from '../config.ts';
import { ANY_RESOURCE_FINDING, acknowledge, NODE_RUNTIME_REASON } from '../nag.ts';
import { grantSearch, type SearchEndpoint } from './search.ts';

/** Test hook: supplies each function's code instead of bundling its entry (see test/cdk). */
export type FunctionCodeFactory = (definition: FunctionDefinition) => Code;

export interface ConduitFunctionsProps {
  readonly config: StageConfig;
  readonly tables: Readonly<Record<TableId, ITableV2>>;
  readonly jwt: { readonly signingSecret: ISecret; readonly verifyingSecret: ISecret };
  readonly search: SearchEndpoint;
  /** Only for tests: skip esbuild. `cdk synth` always bundles the real handlers. */
  readonly code?: FunctionCodeFactory;
  /** Only for tests: a subset of schemas/functions.ts. */
  readonly definitions?: readonly FunctionDefinition[];
}

/**
 * DynamoDB actions per declared access. Written out rather than CDK's grantReadData & co, which
 * also grant stream reads and `<table>/index/*`: here indexes are the exact ones of schemas/tables.ts.
 */
const ITEM_ACTIONS = {
  read: [
    'dynamodb:BatchGetItem',
    'dynamodb:ConditionCheckItem',
    'dynamodb:DescribeTable',
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:Scan',
  ],
  write: [
    'dynamodb:BatchWriteItem',
    'dynamodb:ConditionCheckItem',
    'dynamodb:DeleteItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
  ],
} as const;
const INDEX_ACTIONS = ['dynamodb:Query', 'dynamodb:Scan'];

function tableStatements(tableId: TableId, table: ITableV2, access: TableAccess): PolicyStatement[] {
  const actions = new Set<string>([
    ...(access === 'write' ? [] : ITEM_ACTIONS.read),
    ...(access === 'read' ? [] : ITEM_ACTIONS.write),
  ]);
  const statements = [new PolicyStatement({ actions: [...actions].sort(), resources: [table.tableArn] })];
  const indexes = tables.find((definition) => definition.id === tableId)?.globalIndexes ?? [];
  if (access !== 'write' && indexes.length > 0) {
    statements.push(
      new PolicyStatement({
        actions: INDEX_ACTIONS,
        resources: indexes.map((index) => `${table.tableArn}/index/${index.indexName}`),
      }),
    );
  }
  return statements;
}

/** Memory buys CPU on Lambda: 1024 MB keeps bcrypt (cost 10) and cold starts well under a second. */
export const MEMORY_MB = 1024;

/** Shell commands that copy a definition's package files next to its bundle. */
function copyPackageFiles(definition: FunctionDefinition): (inputDir: string, outputDir: string) => string[] {
  const require = createRequire(import.meta.url);
  return (_inputDir, outputDir) =>
    (definition.files ?? []).map((file) => `cp "${require.resolve(file)}" "${outputDir}/${basename(file)}"`);
}

/** ESM bundles still meet CommonJS dependencies that call require(). */
const ESM_REQUIRE_SHIM =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

/** How every function is bundled (test/bench/bundles.ts bundles with the same options to size them). */
export const BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_SHIM,
  // The Node.js 22 runtime ships AWS SDK v3; Powertools, jose, zod and bcryptjs are bundled.
  externalModules: ['@aws-sdk/*'],
  forceDockerBundling: false,
  logLevel: LogLevel.WARNING,
};

export class ConduitFunctions extends Construct {
  private readonly byName = new Map<string, IFunction>();

  constructor(scope: Construct, id: string, props: ConduitFunctionsProps) {
    super(scope, id);
    for (const definition of props.definitions ?? functions) {
      this.byName.set(definition.name, this.createFunction(definition, props));
    }

    acknowledge(
      this,
      { id: 'AwsSolutions-L1', reason: NODE_RUNTIME_REASON },
      {
        id: ANY_RESOURCE_FINDING,
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords (added by CDK for active tracing) support no resource-level permissions.',
      },
    );
  }

  /** The deployed function of a schemas/functions.ts entry. */
  get(name: string): IFunction {
    const found = this.byName.get(name);
    if (!found) throw new Error(`Function "${name}" is not in schemas/functions.ts`);
    return found;
  }

  get all(): ReadonlyMap<string, IFunction> {
    return this.byName;
  }

  private createFunction(definition: FunctionDefinition, props: ConduitFunctionsProps): IFunction {
    const { config } = props;
    const id = pascalCase(definition.name);
    const logGroup = new LogGroup(this, `${id}Logs`, {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    // Own role, no managed policy: logging is granted on this log group only.
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Conduit ${config.stage} function ${definition.name}`,
    });
    logGroup.grantWrite(role);

    const environment: Record<string, string> = {
      POWERTOOLS_SERVICE_NAME: config.serviceName,
      POWERTOOLS_LOG_LEVEL: config.logLevel,
      POWERTOOLS_LOGGER_LOG_EVENT: 'false',
      POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
      POWERTOOLS_METRICS_NAMESPACE: metricsNamespace,
      STAGE: config.stage,
    };
    // Every function learns every table's name: task functions build transaction items for their
    // workflow to execute (validate-user-update) without any access of their own. A name is not a
    // permission; IAM below is exactly the declared access.
    for (const table of tables) environment[tableEnvVar(table.id)] = props.tables[table.id].tableName;
    for (const [tableId, access] of Object.entries(definition.tables) as [TableId, TableAccess][]) {
      for (const statement of tableStatements(tableId, props.tables[tableId], access))
        role.addToPolicy(statement);
    }
    if (definition.jwtKey) {
      const secret = definition.jwtKey === 'sign' ? props.jwt.signingSecret : props.jwt.verifyingSecret;
      environment.JWT_SECRET_ARN = secret.secretArn;
      // A rotation changes the environment, so Lambda starts new execution environments, which
      // read the new key (tokens.ts reads it once per environment).
      environment.JWT_KEY_ROTATION = config.jwtKeyRotation;
      secret.grantRead(role);
    }
    if (definition.search) {
      environment.OPENSEARCH_ENDPOINT = props.search.url;
      environment.OPENSEARCH_REPLICAS = String(props.search.replicas);
      grantSearch(props.search, role, definition.search);
    }

    const common = {
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: MEMORY_MB,
      timeout: config.lambdaTimeout,
      tracing: Tracing.ACTIVE,
      logGroup,
      role,
      environment,
      description: `Conduit ${config.stage} ${definition.kind}: ${definition.name} (${definition.entry})`,
    } satisfies Partial<FunctionProps>;

    if (props.code) {
      return new LambdaFunction(this, id, {
        ...common,
        handler: 'index.handler',
        code: props.code(definition),
      });
    }
    return new NodejsFunction(this, id, {
      ...common,
      environment: { ...environment, NODE_OPTIONS: '--enable-source-maps' },
      entry: fromRoot(definition.entry),
      handler: 'handler',
      projectRoot: repoRoot,
      depsLockFilePath: fromRoot('package-lock.json'),
      bundling: {
        ...BUNDLING,
        ...(definition.files
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: copyPackageFiles(definition),
              },
            }
          : {}),
      },
    });
  }
}
