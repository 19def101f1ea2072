/**
 * One state machine per entry of schemas/workflows.ts, its definition the ASL file itself, inlined
 * (DefinitionBody.fromString, no S3 asset) with CloudFormation DefinitionSubstitutions for the
 * `${...}` variables: table names, function ARNs and other state machines' ARNs. A variable with no
 * value fails the synth. EXPRESS or STANDARD as registered, X-Ray tracing, CloudWatch logging at
 * level ALL (without execution data when the input carries passwords), and a role whose every
 * statement is derived from the Tasks of the file (see schemas/asl.ts): exact DynamoDB actions on the
 * exact table or index, lambda:InvokeFunction on the exact function, states:StartExecution on the
 * exact state machine. Every STANDARD workflow has an alarm on its failed executions: nothing retries
 * them (a Pipe cannot retry an asynchronous STANDARD target), so each one needs an operator (see
 * docs/deploy.md, "A failed event workflow").
 */
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { FilterPattern, LogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import {
  allStates,
  assertAllSubstituted,
  assertSupported,
  knownVariables,
  type LoadedWorkflow,
  loadWorkflow,
  placeholders,
  type Requirement,
  requiredPermissions,
  substitutionValues,
} from '../../schemas/asl.ts';
import { metricsNamespace } from '../../schemas/functions.ts';
import { pascalCase } from '../../schemas/naming.ts';
import type { TableId } from '../../schemas/tables.ts';
import { stateMetrics, workflows } from '../../schemas/workflows.ts';
import { perStackName, resourcePrefix, type StageConfig } from '../config.ts';
import { dynamicTaskAccess } from '../dynamic-task-access.ts';
import { ANY_RESOURCE_FINDING, acknowledge } from '../nag.ts';
import type { ConduitFunctions } from './functions.ts';

export interface ConduitWorkflowsProps {
  readonly config: StageConfig;
  readonly tables: Readonly<Record<TableId, ITableV2>>;
  readonly functions: ConduitFunctions;
}

export class ConduitWorkflows extends Construct {
  private readonly byName = new Map<string, StateMachine>();
  private readonly props: ConduitWorkflowsProps;

  constructor(scope: Construct, id: string, props: ConduitWorkflowsProps) {
    super(scope, id);
    this.props = props;
    for (const definition of workflows) {
      this.byName.set(definition.name, this.createStateMachine(loadWorkflow(definition)));
    }
    acknowledge(this, {
      id: ANY_RESOURCE_FINDING,
      reason:
        'Added by CDK for logging and tracing: CloudWatch Logs delivery (logs:CreateLogDelivery, ...) and X-Ray (xray:PutTraceSegments, ...) support no resource-level permissions.',
    });
  }

  get(name: string): StateMachine {
    const found = this.byName.get(name);
    if (!found) throw new Error(`Workflow "${name}" is not in schemas/workflows.ts`);
    return found;
  }

  get all(): ReadonlyMap<string, StateMachine> {
    return this.byName;
  }

  /** Physical name, fixed so any workflow's ARN is known before it exists (a workflow may start itself). */
  stateMachineName(name: string): string {
    return `${resourcePrefix(this.props.config)}-${name}`;
  }

  stateMachineArn(name: string): string {
    return Stack.of(this).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.stateMachineName(name),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** The business metrics of states no Lambda runs, counted in the execution logs (ALL: every state entered). */
  private countStatesEntered(workflow: string, asl: LoadedWorkflow['asl'], logGroup: LogGroup): void {
    for (const counted of stateMetrics.filter((metric) => metric.workflow === workflow)) {
      const state = allStates(asl).find((visited) => visited.name === counted.state)?.state;
      if (!state) throw new Error(`Metric ${counted.metric}: ${workflow} has no state "${counted.state}"`);
      new MetricFilter(this, `${pascalCase(workflow)}${counted.metric}`, {
        logGroup,
        metricNamespace: metricsNamespace,
        metricName: counted.metric,
        metricValue: '1',
        filterPattern: FilterPattern.all(
          FilterPattern.stringValue('$.type', '=', `${state.Type}StateEntered`),
          FilterPattern.stringValue('$.details.name', '=', counted.state),
        ),
      });
    }
  }

  private createStateMachine(loaded: LoadedWorkflow): StateMachine {
    const { definition, file, text, asl } = loaded;
    const { config } = this.props;
    assertSupported(asl, file);
    assertAllSubstituted(text, knownVariables(), file);
    const values = substitutionValues({
      tableName: (table) => this.props.tables[table].tableName,
      functionArn: (fn) => this.props.functions.get(fn).functionArn,
      stateMachineArn: (workflow) => this.stateMachineArn(workflow),
    });
    const definitionSubstitutions = Object.fromEntries(
      placeholders(text).map((variable) => [variable, values[variable] as string]),
    );

    const id = pascalCase(definition.name);
    const name = this.stateMachineName(definition.name);
    const logGroup = new LogGroup(this, `${id}Logs`, {
      // The vendedlogs prefix keeps the account's CloudWatch Logs resource policy small.
      logGroupName: perStackName(this, `/aws/vendedlogs/states/${name}`),
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    const stateMachine = new StateMachine(this, id, {
      stateMachineName: name,
      stateMachineType: definition.type === 'EXPRESS' ? StateMachineType.EXPRESS : StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(text),
      definitionSubstitutions,
      tracingEnabled: true,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: !definition.carriesSecrets },
    });
    this.countStatesEntered(definition.name, asl, logGroup);
    if (definition.type === 'STANDARD') {
      new Alarm(this, `${id}FailedExecutionsAlarm`, {
        alarmDescription: `An execution of ${name} failed: find it (status FAILED) and run its input again (docs/deploy.md)`,
        metric: stateMachine.metricFailed({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    const dynamicAccess = (state: string) => dynamicTaskAccess[`${definition.name}/${state}`];
    for (const statement of this.statementsFor(requiredPermissions(asl, file, dynamicAccess))) {
      stateMachine.addToRolePolicy(statement);
    }
    return stateMachine;
  }

  /** One statement per resource, its actions sorted, so the policy reads like the ASL's footprint. */
  private statementsFor(requirements: readonly Requirement[]): PolicyStatement[] {
    const actionsByResource = new Map<string, Set<string>>();
    const add = (resource: string, action: string) => {
      const actions = actionsByResource.get(resource) ?? new Set<string>();
      actions.add(action);
      actionsByResource.set(resource, actions);
    };
    for (const requirement of requirements) {
      if (requirement.kind === 'dynamodb') {
        const tableArn = this.props.tables[requirement.table].tableArn;
        add(
          requirement.index ? `${tableArn}/index/${requirement.index}` : tableArn,
          `dynamodb:${requirement.action}`,
        );
      } else if (requirement.kind === 'lambda') {
        add(this.props.functions.get(requirement.function).functionArn, 'lambda:InvokeFunction');
      } else {
        add(this.stateMachineArn(requirement.workflow), 'states:StartExecution');
      }
    }
    return [...actionsByResource].map(
      ([resource, actions]) => new PolicyStatement({ actions: [...actions].sort(), resources: [resource] }),
    );
  }
}
