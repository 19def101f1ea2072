/**
 * The JWT key pair custom resource's handler (cdk/constructs/jwt-keys.ts GENERATOR_SOURCE), run as
 * Lambda runs it, with Secrets Manager and the CloudFormation response URL replaced by in-memory
 * fakes: a create writes a key pair; an update keeps it, unless it carries a new rotation id
 * (`-c jwtKeyRotation=<id>`), which writes a fresh pair that signs and verifies tokens.
 */
import * as crypto from 'node:crypto';
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from '@jest/globals';
import { GENERATOR_SOURCE } from '../../cdk/constructs/jwt-keys.ts';

type Properties = Record<string, string>;
interface Keys {
  readonly privateKey?: string;
  readonly publicKey: string;
}

/** The handler with its own secrets store; returns what it answered CloudFormation. */
function generator() {
  const secrets = new Map<string, string>([
    ['signing', '{}'],
    ['verifying', '{}'],
  ]);
  const responses: { Status: string; Reason: string }[] = [];
  class GetSecretValueCommand {
    constructor(readonly input: { SecretId: string }) {}
  }
  class PutSecretValueCommand {
    constructor(readonly input: { SecretId: string; SecretString: string }) {}
  }
  const modules: Record<string, unknown> = {
    'node:crypto': crypto,
    'node:https': {
      request: (_url: string, _options: unknown, onResponse: (response: unknown) => void) => ({
        on: () => undefined,
        end: (body: string) => {
          responses.push(JSON.parse(body));
          onResponse({ resume: () => undefined, on: (_event: string, done: () => void) => done() });
        },
      }),
    },
    '@aws-sdk/client-secrets-manager': {
      SecretsManagerClient: class {
        async send(command: GetSecretValueCommand | PutSecretValueCommand) {
          if (command instanceof PutSecretValueCommand) {
            secrets.set(command.input.SecretId, command.input.SecretString);
            return {};
          }
          return { SecretString: secrets.get(command.input.SecretId) };
        }
      },
      GetSecretValueCommand,
      PutSecretValueCommand,
    },
  };
  const module = { exports: {} as { handler: (event: unknown, context: unknown) => Promise<void> } };
  runInNewContext(GENERATOR_SOURCE, {
    require: (name: string) => modules[name],
    module,
    exports: module.exports,
    Buffer,
    console,
  });
  let previous: Properties | undefined;
  const deploy = async (requestType: 'Create' | 'Update', rotation: string) => {
    const properties = { SigningSecretArn: 'signing', VerifyingSecretArn: 'verifying', Rotation: rotation };
    await module.exports.handler(
      {
        RequestType: requestType,
        ResourceProperties: properties,
        ...(requestType === 'Update'
          ? { OldResourceProperties: previous, PhysicalResourceId: 'jwt-key-pair' }
          : {}),
        ResponseURL: 'https://cloudformation-custom-resource-response.example/',
        StackId: 'stack',
        RequestId: 'request',
        LogicalResourceId: 'KeyPair',
      },
      { logStreamName: 'stream' },
    );
    previous = properties;
    expect(responses.at(-1)?.Status).toBe('SUCCESS');
    return {
      signing: JSON.parse(secrets.get('signing') ?? '') as Keys,
      verifying: JSON.parse(secrets.get('verifying') ?? '') as Keys,
    };
  };
  return { deploy };
}

/** The pair signs a token's bytes and the verifying secret's public key accepts them. */
function expectWorkingPair(keys: { signing: Keys; verifying: Keys }) {
  const data = Buffer.from('header.payload');
  const signature = sign('sha256', data, createPrivateKey(keys.signing.privateKey ?? ''));
  expect(verify('sha256', data, createPublicKey(keys.verifying.publicKey), signature)).toBe(true);
  expect(keys.verifying).toEqual({ publicKey: keys.signing.publicKey });
}

describe('the JWT key pair custom resource', () => {
  it('creates a pair, keeps it across updates, and rotates it only for a new rotation id', async () => {
    const { deploy } = generator();
    const created = await deploy('Create', '');
    expectWorkingPair(created);

    const redeployed = await deploy('Update', '');
    expect(redeployed.signing.privateKey).toBe(created.signing.privateKey);

    const rotated = await deploy('Update', '2026-11-30T07:00Z');
    expect(rotated.signing.privateKey).not.toBe(created.signing.privateKey);
    expectWorkingPair(rotated);

    // A later deploy without the id (or with the same id) keeps the rotated key.
    expect((await deploy('Update', '')).signing.privateKey).toBe(rotated.signing.privateKey);
    const again = await deploy('Update', '');
    expect(again.signing.privateKey).toBe(rotated.signing.privateKey);

    const rotatedAgain = await deploy('Update', '2026-12-01T07:00Z');
    expect(rotatedAgain.signing.privateKey).not.toBe(rotated.signing.privateKey);
    expectWorkingPair(rotatedAgain);
  });
});
