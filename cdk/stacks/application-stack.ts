/**
 * The stateless application: functions, workflows, the REST API and the stream pipes. One stack
 * because these reference each other densely (every route → a workflow or function, every workflow
 * → functions) and change together; splitting them would turn each reference into a CloudFormation
 * export that blocks removing a function or workflow. It reads the stateful stacks (tables, JWT
 * secrets, search domain) through a handful of exports.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { eventSources } from '../../schemas/events.ts';
import type { TableId } from '../../schemas/tables.ts';
import type { StageConfig } from '../config.ts';
import { ConduitApi } from '../constructs/api.ts';
import { ConduitEvents } from '../constructs/events.ts';
import { ConduitFunctions, type FunctionCodeFactory } from '../constructs/functions.ts';
import type { SearchEndpoint } from '../constructs/search.ts';
import { ConduitWorkflows } from '../constructs/workflows.ts';

export interface ApplicationStackProps extends StackProps {
  readonly config: StageConfig;
  readonly tables: Readonly<Record<TableId, ITableV2>>;
  readonly jwt: { readonly signingSecret: ISecret; readonly verifyingSecret: ISecret };
  readonly search: SearchEndpoint;
  /** Tests only: function code instead of esbuild bundles. */
  readonly functionCode?: FunctionCodeFactory;
}

export class ApplicationStack extends Stack {
  readonly functions: ConduitFunctions;
  readonly workflows: ConduitWorkflows;
  readonly api: ConduitApi;
  readonly events: ConduitEvents;

  constructor(scope: Construct, id: string, props: ApplicationStackProps) {
    super(scope, id, props);
    const { config, tables } = props;
    this.functions = new ConduitFunctions(this, 'Functions', {
      config,
      tables,
      jwt: props.jwt,
      search: props.search,
      code: props.functionCode,
    });
    this.workflows = new ConduitWorkflows(this, 'Workflows', { config, tables, functions: this.functions });
    this.api = new ConduitApi(this, 'Api', { config, functions: this.functions, workflows: this.workflows });
    this.events = new ConduitEvents(this, 'Events', {
      config,
      tables,
      workflows: this.workflows,
      sources: eventSources,
    });

    new CfnOutput(this, 'ApiUrl', {
      value: `${this.api.restApi.url}api`,
      description: "RealWorld API root: point a frontend's API URL here (…/api)",
    });
  }
}
