/**
 * API Gateway's authorizer result cache, for the authorizer of `required` routes
 * (schemas/routes.ts `requiredAuthCache`): keyed by the identity header's value, one entry per value
 * for the TTL, whatever the route. Policies are cached whatever their effect; a failed invocation
 * (a thrown "Unauthorized" or any other error) is not. `flush` is the stage's FlushStageAuthorizersCache.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-lambda-authorizer-output.html
 */
import type { APIGatewayAuthorizerResult } from 'aws-lambda';

export class AuthorizerCache {
  private readonly entries = new Map<string, { result: APIGatewayAuthorizerResult; expiresAt: number }>();
  private hitCount = 0;

  constructor(
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(identity: string): APIGatewayAuthorizerResult | undefined {
    const entry = this.entries.get(identity);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(identity);
      return undefined;
    }
    this.hitCount += 1;
    return entry.result;
  }

  put(identity: string, result: APIGatewayAuthorizerResult): void {
    this.entries.set(identity, { result, expiresAt: this.now() + this.ttlSeconds * 1000 });
  }

  /** Requests answered from the cache, without invoking the authorizer. */
  get hits(): number {
    return this.hitCount;
  }

  flush(): void {
    this.entries.clear();
  }
}

/**
 * Whether an authorizer's IAM policy lets the caller invoke `methodArn`: an Allow statement whose
 * resource matches and no Deny that does (`*` matches any run of characters, `?` one), as API Gateway
 * evaluates it. A cached policy naming only the first route's ARN denies every other route.
 */
export function policyAllows(result: APIGatewayAuthorizerResult, methodArn: string): boolean {
  const matching = (effect: string) =>
    result.policyDocument.Statement.some((statement) => {
      const { Effect, Resource } = statement as { Effect: string; Resource?: string | string[] };
      if (Effect !== effect) return false;
      return [Resource ?? []].flat().some((resource) => arnPattern(resource).test(methodArn));
    });
  return matching('Allow') && !matching('Deny');
}

const arnPattern = (resource: string): RegExp =>
  new RegExp(
    `^${resource
      .split('')
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
      .join('')}$`,
  );
