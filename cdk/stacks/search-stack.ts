/**
 * The OpenSearch domain: stateful, slow to create (~15–20 min) and to change, so it lives in its
 * own stack and application deploys never wait on it. See constructs/search.ts for why a managed
 * domain and what it costs.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import { ArticleSearchDomain, type SearchEndpoint } from '../constructs/search.ts';

export interface SearchStackProps extends StackProps {
  readonly config: StageConfig;
}

export class SearchStack extends Stack {
  readonly endpoint: SearchEndpoint;

  constructor(scope: Construct, id: string, props: SearchStackProps) {
    super(scope, id, props);
    const search = new ArticleSearchDomain(this, 'ArticleSearch', props.config);
    this.endpoint = search.endpoint;
    new CfnOutput(this, 'SearchEndpoint', {
      value: search.endpoint.url,
      description: 'OpenSearch endpoint (OPENSEARCH_ENDPOINT for `npm run reindex` against AWS)',
    });
    new CfnOutput(this, 'SearchReplicas', {
      value: String(search.endpoint.replicas),
      description: 'Replicas of the article index (OPENSEARCH_REPLICAS for `npm run reindex` against AWS)',
    });
  }
}
