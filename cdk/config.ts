/**
 * Per-stage settings. One app, the stage chosen with `-c stage=<name>` (default "dev", cdk.json).
 * "prod" keeps its data when a stack is deleted and runs a zone-aware search domain; every other
 * stage is disposable.
 */
import { Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';

export interface SearchCapacity {
  readonly dataNodes: number;
  readonly instanceType: string;
  readonly volumeSizeGiB: number;
  /** Spread data nodes over two AZs (needs an even node count). */
  readonly zoneAwareness: boolean;
}

export interface StageConfig {
  readonly stage: string;
  readonly production: boolean;
  /** Applies to tables, secrets, the search domain and log groups. */
  readonly removalPolicy: RemovalPolicy;
  readonly deletionProtection: boolean;
  readonly logRetention: RetentionDays;
  /** API Gateway stage-wide throttling (steady requests per second, burst). */
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
  readonly search: SearchCapacity;
  /** Service name Powertools puts on every log line, metric and trace. */
  readonly serviceName: string;
  readonly logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  readonly lambdaTimeout: Duration;
  /**
   * `-c jwtKeyRotation=<id>`: a new, non-empty id rotates the JWT key pair at deploy (logging every
   * user out); deploys with the same id, or none, keep the key (cdk/constructs/jwt-keys.ts).
   */
  readonly jwtKeyRotation: string;
}

/** Stage names become parts of resource names (the search domain allows 28 lowercase characters). */
const STAGE_NAME = /^[a-z][a-z0-9-]{0,14}$/;

export function stageConfig(stage: string, options: { readonly jwtKeyRotation?: string } = {}): StageConfig {
  if (!STAGE_NAME.test(stage)) {
    throw new Error(
      `Invalid stage "${stage}": use 1-15 lowercase letters, digits or dashes, starting with a letter`,
    );
  }
  const production = stage === 'prod';
  return {
    stage,
    production,
    removalPolicy: production ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    deletionProtection: production,
    logRetention: production ? RetentionDays.ONE_YEAR : RetentionDays.TWO_WEEKS,
    throttling: production ? { rateLimit: 200, burstLimit: 400 } : { rateLimit: 20, burstLimit: 40 },
    search: production
      ? { dataNodes: 2, instanceType: 't3.medium.search', volumeSizeGiB: 10, zoneAwareness: true }
      : { dataNodes: 1, instanceType: 't3.small.search', volumeSizeGiB: 10, zoneAwareness: false },
    serviceName: 'conduit',
    logLevel: production ? 'INFO' : 'DEBUG',
    lambdaTimeout: Duration.seconds(10),
    jwtKeyRotation: options.jwtKeyRotation ?? '',
  };
}

/** Physical-name prefix shared by the resources that need a predictable name. */
export const resourcePrefix = (config: StageConfig): string => `conduit-${config.stage}`;

/**
 * `<base>-<4 hex digits>`, the digits taken from the id CloudFormation gives the stack when it
 * creates it. For a resource that needs a name known to the template (a vendedlogs log group, the
 * search domain named in its own access policy) but that `prod` retains when its stack is deleted:
 * a fixed name would make the next deploy of the stack fail on the resource left behind, while this
 * one changes with every creation of the stack and stays the same across its updates.
 */
export const perStackName = (scope: IConstruct, base: string): string => {
  const stackUuid = Fn.select(2, Fn.split('/', Stack.of(scope).stackId));
  return `${base}-${Fn.select(1, Fn.split('-', stackUuid))}`;
};

/** Every perStackName of `base`, as an IAM resource pattern (`?` is one character). */
export const perStackNamePattern = (base: string): string => `${base}-????`;

/** Replicas of the search index: one where a second data node can hold it, none on a one-node domain. */
export const searchReplicas = (search: SearchCapacity): number => (search.dataNodes > 1 ? 1 : 0);
