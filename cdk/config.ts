/**
 * Per-stage settings. One app, the stage chosen with `-c stage=<name>` (default "dev", cdk.json).
 * "prod" keeps its data when a stack is deleted and runs a zone-aware search domain; every other
 * stage is disposable.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';

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
}

/** Stage names become parts of resource names (the search domain allows 28 lowercase characters). */
const STAGE_NAME = /^[a-z][a-z0-9-]{0,14}$/;

export function stageConfig(stage: string): StageConfig {
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
  };
}

/** Physical-name prefix shared by the resources that need a predictable name. */
export const resourcePrefix = (config: StageConfig): string => `conduit-${config.stage}`;
