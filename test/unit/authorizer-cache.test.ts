/** The local authorizer cache and policy evaluation (local/authorizer-cache.ts), as API Gateway applies them. */
import { describe, expect, it } from '@jest/globals';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { stageArn } from '../../lambdas/authorizer/policy.ts';
import { AuthorizerCache, policyAllows } from '../../local/authorizer-cache.ts';

const ARN = 'arn:aws:execute-api:us-east-1:123456789012:abc123/prod';
const policy = (
  ...statements: [effect: 'Allow' | 'Deny', resource: string | string[]][]
): APIGatewayAuthorizerResult => ({
  principalId: 'user',
  policyDocument: {
    Version: '2012-10-17',
    Statement: statements.map(([Effect, Resource]) => ({ Action: 'execute-api:Invoke', Effect, Resource })),
  },
});

describe('policyAllows', () => {
  it('allows what an Allow statement matches, with * across path segments', () => {
    expect(policyAllows(policy(['Allow', `${ARN}/*`]), `${ARN}/GET/api/user`)).toBe(true);
    expect(policyAllows(policy(['Allow', `${ARN}/*`]), `${ARN}/POST/api/articles/a-b/favorite`)).toBe(true);
    expect(policyAllows(policy(['Allow', [`${ARN}/GET/*`]]), `${ARN}/GET/api/user`)).toBe(true);
  });

  it("denies another route when the policy names only the first route's ARN (the caching pitfall)", () => {
    const first = policy(['Allow', `${ARN}/GET/api/user`]);
    expect(policyAllows(first, `${ARN}/GET/api/user`)).toBe(true);
    expect(policyAllows(first, `${ARN}/GET/api/articles/feed`)).toBe(false);
  });

  it('denies on a matching Deny, on no statement, and takes ARN characters literally', () => {
    expect(policyAllows(policy(['Allow', `${ARN}/*`], ['Deny', `${ARN}/DELETE/*`]), `${ARN}/DELETE/x`)).toBe(
      false,
    );
    expect(policyAllows(policy(['Deny', `${ARN}/*`]), `${ARN}/GET/api/user`)).toBe(false);
    expect(policyAllows(policy(), `${ARN}/GET/api/user`)).toBe(false);
    expect(policyAllows(policy(['Allow', 'arn.aws/*']), 'arnXaws/GET')).toBe(false);
  });
});

describe("the authorizer's policies", () => {
  it('cover the whole stage of the method ARN', () => {
    expect(stageArn(`${ARN}/GET/api/profiles/jake/follow`)).toBe(`${ARN}/*`);
    expect(policyAllows(policy(['Allow', stageArn(`${ARN}/GET/api/user`)]), `${ARN}/PUT/api/user`)).toBe(
      true,
    );
  });
});

describe('AuthorizerCache', () => {
  it('serves an entry for the TTL, then forgets it; flush forgets all', () => {
    let now = 0;
    const cache = new AuthorizerCache(300, () => now);
    const allow = policy(['Allow', `${ARN}/*`]);
    cache.put('Token a', allow);
    now = 299_999;
    expect(cache.get('Token a')).toBe(allow);
    expect(cache.get('Token b')).toBeUndefined();
    now = 300_000;
    expect(cache.get('Token a')).toBeUndefined();
    cache.put('Token a', allow);
    cache.flush();
    expect(cache.get('Token a')).toBeUndefined();
    expect(cache.hits).toBe(1);
  });
});
