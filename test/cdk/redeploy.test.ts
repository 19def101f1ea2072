/**
 * `prod` retains its stateful resources when its stacks are deleted; deploying the stage again must
 * not collide with what was left behind. So no retained resource has a fixed physical name: either
 * CloudFormation generates it, or it contains the id of the stack's creation (cdk/config.ts
 * perStackName), which differs every time the stack is created.
 */
import { synthesize } from './synth.ts';

const prod = synthesize('prod');

/** The property holding the physical name of each resource type that has one. */
const NAME_PROPERTY: Record<string, string> = {
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::OpenSearchService::Domain': 'DomainName',
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SecretsManager::Secret': 'Name',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::ApiGateway::Account': 'Id',
};

interface Resource {
  readonly Type: string;
  readonly DeletionPolicy?: string;
  readonly Properties?: Record<string, unknown>;
}

const retained = Object.entries({
  data: prod.data,
  search: prod.search,
  application: prod.application,
}).flatMap(([stack, template]) =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>)
    .filter(([, resource]) => resource.DeletionPolicy === 'Retain')
    .map(([id, resource]) => ({ stack, id, resource })),
);

describe('prod can be deployed again after its stacks were destroyed', () => {
  test('it retains the stateful resources (the premise)', () => {
    const types = new Set(retained.map(({ resource }) => resource.Type));
    for (const type of [
      'AWS::DynamoDB::GlobalTable',
      'AWS::OpenSearchService::Domain',
      'AWS::Logs::LogGroup',
    ])
      expect(types).toContain(type);
  });

  test('no retained resource has a fixed physical name', () => {
    const fixed = retained.flatMap(({ stack, id, resource }) => {
      const property = NAME_PROPERTY[resource.Type];
      if (property === undefined) return [`${stack}/${id}: ${resource.Type} is not known to this test`];
      const name = resource.Properties?.[property];
      if (name === undefined || JSON.stringify(name).includes('"AWS::StackId"')) return [];
      return [`${stack}/${id}: ${property} ${JSON.stringify(name)}`];
    });
    expect(fixed).toEqual([]);
  });
});
