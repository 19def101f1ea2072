/**
 * A local Secrets Manager holding the JWT key pair, so the Lambdas read their key the way they do in
 * AWS (JWT_SECRET_ARN, lambdas/shared/tokens.ts): the SDK reaches it through the service-specific
 * endpoint variable AWS_ENDPOINT_URL_SECRETS_MANAGER. It answers GetSecretValue in AWS's JSON 1.1
 * protocol and meets the `secretsmanager` faults of local/faults.ts: a ThrottlingException as AWS
 * answers it, a timeout as a request that is never answered (the client's own timeout ends it).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FaultInjector } from './faults.ts';
import type { KeyPairPem } from './keys.ts';

export interface LocalSecretsManager {
  /** For AWS_ENDPOINT_URL_SECRETS_MANAGER. */
  readonly endpoint: string;
  /** For JWT_SECRET_ARN. */
  readonly secretArn: string;
  stop(): Promise<void>;
}

const SECRET_NAME = 'conduit-local-jwt-keys';
// A secret's ARN ends in a dash and six random characters that Secrets Manager adds to its name.
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SECRET_NAME}-Lc4lJw`;
const GET_SECRET_VALUE = 'secretsmanager.GetSecretValue';

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function answer(response: ServerResponse, status: number, body: Record<string, unknown>): void {
  response.writeHead(status, {
    'Content-Type': 'application/x-amz-json-1.1',
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(JSON.stringify(body));
}

const error = (type: string, message: string) => ({ __type: type, message });

export async function startLocalSecretsManager(options: {
  readonly keyPair: KeyPairPem;
  readonly faults: FaultInjector;
}): Promise<LocalSecretsManager> {
  const version = { id: randomUUID(), created: Date.now() / 1000 };
  const server = createServer((request, response) => {
    readBody(request)
      .then((text) => {
        const target = request.headers['x-amz-target'];
        if (target !== GET_SECRET_VALUE) {
          return answer(response, 400, error('UnknownOperationException', `${target} is not served here`));
        }
        const fault = options.faults.pick({ service: 'secretsmanager', action: 'GetSecretValue' });
        // Never answered: the caller's timeout is what ends the request.
        if (fault?.error === 'timeout') return;
        if (fault) return answer(response, fault.status, error(fault.error, fault.message));
        const { SecretId } = JSON.parse(text || '{}') as { SecretId?: string };
        if (SecretId !== SECRET_ARN && SecretId !== SECRET_NAME) {
          return answer(
            response,
            400,
            error('ResourceNotFoundException', "Secrets Manager can't find the specified secret."),
          );
        }
        answer(response, 200, {
          ARN: SECRET_ARN,
          Name: SECRET_NAME,
          VersionId: version.id,
          SecretString: JSON.stringify(options.keyPair),
          VersionStages: ['AWSCURRENT'],
          CreatedDate: version.created,
        });
      })
      .catch(() =>
        answer(response, 500, error('InternalServiceError', 'An error occurred on the server side.')),
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    secretArn: SECRET_ARN,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
