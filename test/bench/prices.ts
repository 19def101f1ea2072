/**
 * Public on-demand list prices, us-east-1, the one place the bill model (bill.ts) reads them from.
 * Checked 2026-11-30 against the sources named per line; first paid tier, no free tier, no Savings
 * Plans. Update the date and the figures together. OpenSearch is billed per instance-hour (or
 * OCU-hour), not per request (https://aws.amazon.com/opensearch-service/pricing/): the model counts
 * its requests, which size the cluster, and prices none.
 */
export const PRICES_CHECKED = '2026-11-30';

export const PRICES = {
  /** REST API (the project's API is a RestApi): $3.50 per million calls, first 333 M. https://aws.amazon.com/api-gateway/pricing/ */
  apiGatewayRestRequest: 3.5 / 1e6,
  /** EXPRESS: $1.00 per million requests. https://aws.amazon.com/step-functions/pricing/ */
  expressRequest: 1 / 1e6,
  /** EXPRESS duration: $0.00001667 per GB-second, billed in 64 MB chunks and 100 ms steps (same page). */
  expressGbSecond: 0.00001667,
  /** STANDARD: $0.025 per 1,000 state transitions, retries included (same page). */
  standardTransition: 0.025 / 1000,
  /** Lambda requests: $0.20 per million, either architecture. https://aws.amazon.com/lambda/pricing/ */
  lambdaRequest: 0.2 / 1e6,
  /** Lambda duration, Arm (the functions run on ARM64): $0.0000133334 per GB-second, first 7.5 B GB-s (same page). */
  lambdaArmGbSecond: 0.0000133334,
  /**
   * DynamoDB on demand after the November 2024 reduction: $0.625 per million write request units,
   * $0.125 per million read request units. https://aws.amazon.com/dynamodb/pricing/on-demand/
   */
  dynamoDbWriteUnit: 0.625 / 1e6,
  dynamoDbReadUnit: 0.125 / 1e6,
  /** EventBridge Pipes: $0.40 per million requests (each batch, in 64 KB chunks). https://aws.amazon.com/eventbridge/pricing/ */
  pipesRequest: 0.4 / 1e6,
} as const;
