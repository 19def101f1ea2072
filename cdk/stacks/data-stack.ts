/**
 * Stateful resources that outlive every deployment of the code: the DynamoDB tables and the JWT key
 * pair. Kept apart from the application stack so code changes never risk a replacement here, and
 * so "prod" can RETAIN them (plus deletion protection on the tables) while other stages DESTROY.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { JwtKeys } from '../constructs/jwt-keys.ts';
import { ConduitTables, type Tables } from '../constructs/tables.ts';

export interface DataStackProps extends StackProps {
  readonly config: StageConfig;
}

export class DataStack extends Stack {
  readonly tables: Tables;
  readonly jwtSigningSecret: ISecret;
  readonly jwtVerifyingSecret: ISecret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    this.tables = new ConduitTables(this, 'Tables', props.config).tables;
    const keys = new JwtKeys(this, 'JwtKeys', props.config);
    this.jwtSigningSecret = keys.signingSecret;
    this.jwtVerifyingSecret = keys.verifyingSecret;
  }
}
