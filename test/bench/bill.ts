/**
 * What AWS bills for a request, from the counts (counters.ts) and the price table (prices.ts), for
 * this design and for the same API built as Lambda-only handlers (API Gateway → authorizer → one
 * Lambda per route; stream → one Lambda per batch through an event source mapping, which Lambda
 * does not bill beyond the invocation). Both do the same DynamoDB work, so they consume the same
 * units. Durations are not measured (the machine is shared): they are estimated from the counts with
 * the assumptions below, which the report prints beside the figures.
 */
import { MEMORY_MB } from '../../cdk/constructs/functions.ts';
import { eventSources } from '../../schemas/events.ts';
import type { BundleSize } from './bundles.ts';
import type { CountedRequest } from './counted.ts';
import type { Usage } from './counters.ts';
import { PRICES } from './prices.ts';

/** Estimates for durations; in-region DynamoDB and OpenSearch answer in single-digit milliseconds. */
export const ASSUMPTIONS = {
  /** One DynamoDB or search round trip, as the caller waits for it. */
  roundTripMs: 5,
  /** A warm Lambda's own work per invocation (parsing, presenting). */
  invocationMs: 2,
  /** bcrypt at cost 10 on 1024 MB (about 0.6 vCPU), for functions that bundle it. */
  hashMs: 100,
  /** An EXPRESS state's own step between tasks. */
  expressStateMs: 1,
  /** EXPRESS memory as billed: the smallest 64 MB chunk (our payloads are a few KB). */
  expressGb: 64 / 1024,
} as const;

export interface Bill {
  /** Dollars per request, by what is billed. */
  readonly items: Record<string, number>;
  readonly total: number;
}

const GB = MEMORY_MB / 1024;
const sum = (values: Iterable<number>): number => [...values].reduce((a, b) => a + b, 0);
const streamWorkflows = new Set(eventSources.map((source) => source.workflow));

function lambdaSeconds(fn: string, calls: number, hashing: ReadonlySet<string>): number {
  return (
    (ASSUMPTIONS.invocationMs +
      calls * ASSUMPTIONS.roundTripMs +
      (hashing.has(fn) ? ASSUMPTIONS.hashMs : 0)) /
    1000
  );
}

function lambdaCost(usage: Usage, hashing: ReadonlySet<string>): { requests: number; duration: number } {
  const entries = Object.entries(usage.lambdas);
  return {
    requests: sum(entries.map(([, { invocations }]) => invocations)) * PRICES.lambdaRequest,
    duration:
      sum(
        entries.map(
          ([fn, { invocations, calls }]) =>
            invocations * lambdaSeconds(fn, calls / invocations, hashing) * GB,
        ),
      ) * PRICES.lambdaArmGbSecond,
  };
}

const dynamoDbCost = (usage: Usage): number =>
  usage.readUnits * PRICES.dynamoDbReadUnit + usage.writeUnits * PRICES.dynamoDbWriteUnit;

/** This design: API Gateway, Lambdas, EXPRESS and STANDARD workflows, Pipes, DynamoDB. */
export function workflowsBill(counted: CountedRequest, bundles: readonly BundleSize[]): Bill {
  const hashing = new Set(bundles.filter((bundle) => bundle.hashes).map((bundle) => bundle.function));
  const { request, events } = counted.counted;
  const express = Object.values(request.executions);
  const standard = Object.entries(events.executions);
  const lambdas = [lambdaCost(request, hashing), lambdaCost(events, hashing)];
  // The request waits for its dependent round trips, its states and its tasks' Lambdas (the API's own
  // Lambdas and the authorizer run outside the workflow, but counting them only overestimates).
  const expressMs =
    request.dependentRoundTrips * ASSUMPTIONS.roundTripMs +
    sum(express.map(({ transitions }) => transitions)) * ASSUMPTIONS.expressStateMs +
    sum(Object.keys(request.lambdas).map((fn) => (hashing.has(fn) ? ASSUMPTIONS.hashMs : 0)));
  const billedExpressSeconds = Math.ceil(Math.max(expressMs, 1) / 100) / 10;
  const expressExecutions = sum(express.map(({ executions }) => executions));
  const items = {
    'API Gateway': PRICES.apiGatewayRestRequest,
    'Lambda requests': sum(lambdas.map(({ requests }) => requests)),
    'Lambda duration': sum(lambdas.map(({ duration }) => duration)),
    'EXPRESS requests': expressExecutions * PRICES.expressRequest,
    'EXPRESS duration':
      expressExecutions * billedExpressSeconds * ASSUMPTIONS.expressGb * PRICES.expressGbSecond,
    'STANDARD transitions':
      sum(standard.map(([, { transitions }]) => transitions)) * PRICES.standardTransition,
    Pipes:
      sum(standard.map(([name, { executions }]) => (streamWorkflows.has(name) ? executions : 0))) *
      PRICES.pipesRequest,
    DynamoDB: dynamoDbCost(request) + dynamoDbCost(events),
  };
  return { items, total: sum(Object.values(items)) };
}

/** The same API as Lambda-only handlers: one invocation per request, one per stream batch. */
export function lambdaOnlyBill(counted: CountedRequest, bundles: readonly BundleSize[]): Bill {
  const hashing = new Set(bundles.filter((bundle) => bundle.hashes).map((bundle) => bundle.function));
  const { request, events } = counted.counted;
  const authorizer = request.lambdas.authorizer;
  const authorizerInvocations = authorizer?.invocations ?? 0;
  const hashes = Object.keys(request.lambdas).some((fn) => hashing.has(fn));
  // The handler makes the same dependent round trips the request made, minus the authorizer's.
  const handlerSeconds =
    (ASSUMPTIONS.invocationMs +
      (request.dependentRoundTrips - (authorizer?.calls ?? 0)) * ASSUMPTIONS.roundTripMs +
      (hashes ? ASSUMPTIONS.hashMs : 0)) /
    1000;
  const batches = sum(
    Object.entries(events.executions).map(([name, { executions }]) =>
      streamWorkflows.has(name) ? executions : 0,
    ),
  );
  const eventSeconds =
    batches === 0
      ? 0
      : (batches * ASSUMPTIONS.invocationMs + events.dependentRoundTrips * ASSUMPTIONS.roundTripMs) / 1000;
  const authorizerSeconds =
    authorizerInvocations *
    lambdaSeconds('authorizer', (authorizer?.calls ?? 0) / (authorizerInvocations || 1), hashing);
  const items = {
    'API Gateway': PRICES.apiGatewayRestRequest,
    'Lambda requests': (authorizerInvocations + 1 + batches) * PRICES.lambdaRequest,
    'Lambda duration': (authorizerSeconds + handlerSeconds + eventSeconds) * GB * PRICES.lambdaArmGbSecond,
    DynamoDB: dynamoDbCost(request) + dynamoDbCost(events),
  };
  return { items, total: sum(Object.values(items)) };
}

/**
 * A RealWorld day, read-heavy as a blog is: shares of requests by counted request name. An
 * assumption to change as real traffic says; the shares add up to 1.
 */
export const MIXED_WORKLOAD: Readonly<Record<string, number>> = {
  'list, anonymous': 0.257,
  'list, signed in': 0.1,
  'list by tag': 0.05,
  'list by author': 0.03,
  feed: 0.1,
  'article, anonymous': 0.15,
  'article, signed in': 0.07,
  comments: 0.1,
  profile: 0.03,
  tags: 0.05,
  'current user': 0.03,
  login: 0.005,
  register: 0.002,
  'update user': 0.001,
  follow: 0.003,
  unfollow: 0.001,
  'create article': 0.003,
  'update article': 0.002,
  'delete article': 0.001,
  favorite: 0.006,
  unfavorite: 0.002,
  'add comment': 0.004,
  'delete comment': 0.001,
  'favorited by': 0.002,
};

/** $ per million requests of the mixed workload, reading list figures at `pageSize`. */
export function mixedPerMillion(
  counted: readonly CountedRequest[],
  pageSize: number,
  bill: (request: CountedRequest) => Bill,
): number {
  return (
    sum(
      Object.entries(MIXED_WORKLOAD).map(([name, share]) => {
        const request = counted.find(
          (candidate) =>
            candidate.name === name && (candidate.pageSize === undefined || candidate.pageSize === pageSize),
        );
        if (!request)
          throw new Error(`mixed workload: nothing counted for "${name}" at page size ${pageSize}`);
        return share * bill(request).total;
      }),
    ) * 1e6
  );
}
