/**
 * The JWT signing key pair in Secrets Manager, in the format lambdas/shared/tokens.ts reads through
 * JWT_SECRET_ARN (once per execution environment): a JSON secret
 * `{"privateKey": PKCS#8 PEM, "publicKey": SPKI PEM}` for an ES256 (P-256) key.
 *
 * Two secrets so verification never needs the private key:
 * - `signingSecret`  the key pair, read by the functions with `jwtKey: 'sign'` (login, issue-token);
 * - `verifyingSecret` only `{"publicKey"}`, read by the functions with `jwtKey: 'verify'` (authorizer).
 *
 * Secrets Manager cannot generate an EC key pair, so a small custom resource does it at deploy time
 * with node:crypto: on create it writes a fresh pair; on later updates it keeps the existing private
 * key (re-deriving the public secret), so redeploying never logs users out, unless the update
 * carries a new rotation id (`-c jwtKeyRotation=<id>`, StageConfig.jwtKeyRotation): then it writes
 * a fresh pair. The id is a property of the custom resource so that CloudFormation sends the update
 * at all (clearing the secret changes nothing CloudFormation sees). The private key never appears
 * in the template, the CloudFormation events or the logs.
 */
import { CustomResource, Duration } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { acknowledge, NODE_RUNTIME_REASON } from '../nag.ts';

/** CommonJS, runs on the Lambda Node.js runtime with the AWS SDK v3 it ships. */
export const GENERATOR_SOURCE = `
const { generateKeyPairSync, createPrivateKey, createPublicKey } = require('node:crypto');
const https = require('node:https');
const { SecretsManagerClient, GetSecretValueCommand, PutSecretValueCommand } = require('@aws-sdk/client-secrets-manager');
const client = new SecretsManagerClient({});

async function existingPrivateKey(secretId) {
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    const value = JSON.parse(SecretString || '{}');
    if (typeof value.privateKey === 'string' && value.privateKey.includes('PRIVATE KEY')) return value.privateKey;
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
  }
  return undefined;
}

async function writeKeys(props, oldProps) {
  const rotate = Boolean(props.Rotation) && props.Rotation !== (oldProps && oldProps.Rotation);
  let privateKey = rotate ? undefined : await existingPrivateKey(props.SigningSecretArn);
  if (!privateKey) {
    privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' });
  }
  const publicKey = createPublicKey(createPrivateKey(privateKey)).export({ type: 'spki', format: 'pem' });
  await client.send(new PutSecretValueCommand({
    SecretId: props.SigningSecretArn, SecretString: JSON.stringify({ privateKey, publicKey }),
  }));
  await client.send(new PutSecretValueCommand({
    SecretId: props.VerifyingSecretArn, SecretString: JSON.stringify({ publicKey }),
  }));
}

function respond(event, context, status, reason) {
  const body = JSON.stringify({
    Status: status,
    Reason: reason + ' (log stream ' + context.logStreamName + ')',
    PhysicalResourceId: event.PhysicalResourceId || 'jwt-key-pair',
    StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId,
  });
  return new Promise((resolve, reject) => {
    const request = https.request(event.ResponseURL, {
      method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) },
    }, (response) => { response.resume(); response.on('end', resolve); });
    request.on('error', reject);
    request.end(body);
  });
}

exports.handler = async (event, context) => {
  try {
    if (event.RequestType !== 'Delete') await writeKeys(event.ResourceProperties, event.OldResourceProperties);
    await respond(event, context, 'SUCCESS', 'ok');
  } catch (error) {
    console.error('JWT key generation failed:', error && error.name, error && error.message);
    await respond(event, context, 'FAILED', String(error && error.message));
  }
};
`;

export class JwtKeys extends Construct {
  readonly signingSecret: ISecret;
  readonly verifyingSecret: ISecret;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    const signingSecret = new Secret(this, 'SigningKeyPair', {
      description: `Conduit ${config.stage}: ES256 JWT key pair {privateKey, publicKey} (PEM)`,
      removalPolicy: config.removalPolicy,
    });
    const verifyingSecret = new Secret(this, 'VerifyingKey', {
      description: `Conduit ${config.stage}: ES256 JWT public key {publicKey} (PEM)`,
      removalPolicy: config.removalPolicy,
    });

    const logGroup = new LogGroup(this, 'GeneratorLogs', {
      retention: config.logRetention,
      removalPolicy: config.removalPolicy,
    });
    const role = new Role(this, 'GeneratorRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    signingSecret.grantRead(role);
    role.addToPolicy(
      new PolicyStatement({
        actions: ['secretsmanager:PutSecretValue'],
        resources: [signingSecret.secretArn, verifyingSecret.secretArn],
      }),
    );
    const generator = new LambdaFunction(this, 'Generator', {
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      handler: 'index.handler',
      code: Code.fromInline(GENERATOR_SOURCE),
      timeout: Duration.seconds(30),
      role,
      logGroup,
      description: 'Generates the JWT key pair into Secrets Manager at deploy time',
    });

    new CustomResource(this, 'KeyPair', {
      serviceToken: generator.functionArn,
      resourceType: 'Custom::JwtKeyPair',
      properties: {
        SigningSecretArn: signingSecret.secretArn,
        VerifyingSecretArn: verifyingSecret.secretArn,
        Rotation: config.jwtKeyRotation,
      },
    });

    this.signingSecret = signingSecret;
    this.verifyingSecret = verifyingSecret;

    for (const secret of [signingSecret, verifyingSecret]) {
      acknowledge(secret, {
        id: 'AwsSolutions-SMG4',
        reason:
          'Scheduled rotation would invalidate every issued token (30-day sessions); the key is rotated deliberately by deploying with a new -c jwtKeyRotation=<id> (docs/deploy.md).',
      });
    }
    acknowledge(generator, { id: 'AwsSolutions-L1', reason: NODE_RUNTIME_REASON });
  }
}
