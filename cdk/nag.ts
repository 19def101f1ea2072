/**
 * cdk-nag (v3) acknowledgements, through CDK's native `Validations.of(scope).acknowledge`. Each
 * carries the reason it is acceptable; an acknowledgement applies to the construct and everything
 * under it, so they are placed on the narrowest construct that needs them.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

export interface Acknowledgement {
  /** Rule id, e.g. `AwsSolutions-L1`, or one finding of it, e.g. `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  readonly reason: string;
}

export function acknowledge(scope: IConstruct, ...rules: Acknowledgement[]): void {
  Validations.of(scope).acknowledge(...rules);
}

/** The AwsSolutions-IAM5 finding id cdk-nag reports for a wildcard resource string (may hold tokens). */
export function wildcardResourceFinding(scope: IConstruct, resource: string): string {
  return `AwsSolutions-IAM5[Resource::${flattenCfnReference(Stack.of(scope).resolve(resource))}]`;
}

/** X-Ray and CloudWatch Logs delivery actions support no resource-level permissions. */
export const ANY_RESOURCE_FINDING = 'AwsSolutions-IAM5[Resource::*]';

export const NODE_RUNTIME_REASON =
  'Node.js 22 is the runtime this project pins (handlers, local runtime and tests target it); moving to 24 is a deliberate upgrade, not drift.';
