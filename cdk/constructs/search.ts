/**
 * The OpenSearch index behind global article lists and /api/tags (the `ArticleSearch` OpenSearch
 * adapter, SigV4-signed). Functions find it through OPENSEARCH_ENDPOINT (`https://<host>`).
 *
 * Managed domain or Serverless? A managed domain. The index is tiny (one document per article), the
 * traffic is a blog's, and the bill is dominated by the always-on floor (us-east-1 on-demand
 * prices, 730 h/month):
 *
 * - OpenSearch Service managed domain: one t3.small.search data node ($0.036/h ≈ $26.28) plus
 *   10 GiB gp3 (≈ $1.22) ≈ **$27.50/month** for a dev stage; prod runs two t3.medium.search nodes
 *   across two AZs ($0.073/h each ≈ $106.58) plus 2 × 10 GiB ≈ **$109/month**.
 * - OpenSearch Serverless: a collection never scales below 0.5 indexing + 0.5 search OCU
 *   ($0.24 per OCU-hour) ≈ **$175/month** with redundancy off (dev/test), and 1 + 1 OCU ≈
 *   **$350/month** with the standby replicas a production collection should have, plus S3-backed
 *   storage ($0.024/GB-month).
 *
 * Serverless would buy zero capacity planning and no version upgrades, which matters at a scale
 * this app will not reach first; at 6–13× the floor cost it is the wrong default. Switching later is
 * a new endpoint plus `npm run reindex`, because the index is derived data rebuilt from DynamoDB.
 *
 * Access: IAM only (SigV4). The domain's resource policy delegates to IAM in this account (root
 * principal), and each function's role carries exactly the HTTP verbs its `search` access needs on
 * this domain. The endpoint is public (no VPC) so the functions need no VPC, NAT gateway or VPC
 * endpoints (≈ $32+/month more and slower cold starts); every request is still signed and TLS 1.2.
 */
import { Stack } from 'aws-cdk-lib';
import { EbsDeviceVolumeType } from 'aws-cdk-lib/aws-ec2';
import {
  AccountRootPrincipal,
  type IGrantable,
  PolicyDocument,
  PolicyStatement,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { LogGroup, ResourcePolicy } from 'aws-cdk-lib/aws-logs';
import { type CfnDomain, Domain, EngineVersion, TLSSecurityPolicy } from 'aws-cdk-lib/aws-opensearchservice';
import { Construct, type IConstruct } from 'constructs';
import {
  perStackName,
  perStackNamePattern,
  resourcePrefix,
  type StageConfig,
  searchReplicas,
} from '../config.ts';
import { acknowledge, wildcardResourceFinding } from '../nag.ts';

export type SearchAccess = 'read' | 'write';

/** HTTP verbs per access level: searching uses POST (`_search` with a body), writing adds PUT/DELETE. */
const SEARCH_ACTIONS: Record<SearchAccess, readonly string[]> = {
  read: ['es:ESHttpGet', 'es:ESHttpHead', 'es:ESHttpPost'],
  write: [
    'es:ESHttpGet',
    'es:ESHttpHead',
    'es:ESHttpPost',
    'es:ESHttpPut',
    'es:ESHttpDelete',
    'es:ESHttpPatch',
  ],
};

/** What the application stack needs to know about the search domain. */
export interface SearchEndpoint {
  /** The domain, as IAM grants name it. */
  readonly domainArn: string;
  /** `https://<domain endpoint>` */
  readonly url: string;
  /** Replicas of the article index (cdk/config.ts searchReplicas): the functions create it. */
  readonly replicas: number;
}

export function grantSearch(endpoint: SearchEndpoint, grantee: IGrantable, access: SearchAccess): void {
  const resource = `${endpoint.domainArn}/*`;
  grantee.grantPrincipal.addToPrincipalPolicy(
    new PolicyStatement({ actions: [...SEARCH_ACTIONS[access]], resources: [resource] }),
  );
  acknowledge(grantee.grantPrincipal as unknown as IConstruct, {
    id: wildcardResourceFinding(grantee.grantPrincipal as unknown as IConstruct, resource),
    reason:
      'Index and document paths inside the one search domain; the HTTP verbs are limited to the read or write access declared in schemas/functions.ts.',
  });
}

export class ArticleSearchDomain extends Construct {
  readonly domain: Domain;
  readonly endpoint: SearchEndpoint;

  constructor(scope: Construct, id: string, config: StageConfig) {
    super(scope, id);
    const stack = Stack.of(this);
    // At most 28 characters: `conduit-` + a stage of up to 15 + `-` + 4.
    const domainName = perStackName(this, resourcePrefix(config));
    // Computed rather than read from the domain: the domain's own access policy must name it.
    const domainArn = stack.formatArn({ service: 'es', resource: 'domain', resourceName: domainName });

    const logGroups = {
      slowSearchLogGroup: new LogGroup(this, 'SlowSearchLogs', {
        retention: config.logRetention,
        removalPolicy: config.removalPolicy,
      }),
      slowIndexLogGroup: new LogGroup(this, 'SlowIndexLogs', {
        retention: config.logRetention,
        removalPolicy: config.removalPolicy,
      }),
      appLogGroup: new LogGroup(this, 'ApplicationLogs', {
        retention: config.logRetention,
        removalPolicy: config.removalPolicy,
      }),
    };
    // A plain CloudFormation resource policy instead of the construct's default custom resource.
    const logPolicy = new ResourcePolicy(this, 'LogPublishingPolicy', {
      policyStatements: [
        new PolicyStatement({
          principals: [new ServicePrincipal('es.amazonaws.com')],
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: Object.values(logGroups).map((group) => group.logGroupArn),
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      ],
    });

    const capacity = config.search;
    this.domain = new Domain(this, 'Domain', {
      domainName,
      version: EngineVersion.OPENSEARCH_2_19,
      capacity: {
        dataNodes: capacity.dataNodes,
        dataNodeInstanceType: capacity.instanceType,
        multiAzWithStandbyEnabled: false,
      },
      ebs: { volumeSize: capacity.volumeSizeGiB, volumeType: EbsDeviceVolumeType.GP3 },
      zoneAwareness: capacity.zoneAwareness
        ? { enabled: true, availabilityZoneCount: 2 }
        : { enabled: false },
      enforceHttps: true,
      tlsSecurityPolicy: TLSSecurityPolicy.TLS_1_2,
      nodeToNodeEncryption: true,
      encryptionAtRest: { enabled: true },
      logging: { ...logGroups, slowSearchLogEnabled: true, slowIndexLogEnabled: true, appLogEnabled: true },
      suppressLogsResourcePolicy: true,
      removalPolicy: config.removalPolicy,
    });
    this.domain.node.addDependency(logPolicy);
    // Set on the L1 so no custom resource is needed to attach it after creation.
    (this.domain.node.defaultChild as CfnDomain).accessPolicies = new PolicyDocument({
      statements: [
        new PolicyStatement({
          principals: [new AccountRootPrincipal()],
          actions: ['es:ESHttp*'],
          resources: [`${domainArn}/*`],
        }),
      ],
    }).toJSON();

    this.endpoint = {
      // A pattern of the name, not the name: grants need no reference to this stack's id, and it
      // matches this stage's domain only (another stage's name differs in length or prefix).
      domainArn: stack.formatArn({
        service: 'es',
        resource: 'domain',
        resourceName: perStackNamePattern(resourcePrefix(config)),
      }),
      url: `https://${this.domain.domainEndpoint}`,
      replicas: searchReplicas(capacity),
    };

    const suppressions = [
      {
        id: 'AwsSolutions-OS1',
        reason:
          'Public endpoint by design: every request is SigV4-signed and authorised by IAM; a VPC would force the Lambdas into a VPC with NAT/endpoints for no gain in a single-tenant app.',
      },
      {
        id: 'AwsSolutions-OS3',
        reason:
          'Callers are Lambda functions with no fixed IPs; access is restricted by IAM identity policies instead of an IP allow list.',
      },
      {
        id: 'AwsSolutions-OS4',
        reason:
          'Dedicated master nodes triple the floor cost; a one- or two-node domain holding a derived, rebuildable index (npm run reindex) does not need them.',
      },
    ];
    if (!capacity.zoneAwareness) {
      suppressions.push({
        id: 'AwsSolutions-OS7',
        reason: `Stage "${config.stage}" is disposable and runs a single node; prod enables zone awareness over two AZs.`,
      });
    }
    acknowledge(this.domain, ...suppressions);
  }
}
