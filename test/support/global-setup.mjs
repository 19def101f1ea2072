/**
 * One in-memory DynamoDB Local for the whole run; every test file makes its own tables in it.
 * Jest loads global setup outside its module system, so the TypeScript launcher comes in through tsx.
 */
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  // Node 20 runs the tests; the SDK's notice that it will need Node 22 is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { startDynamoDbLocal } = await tsImport('../../local/dynamodb-local.ts', import.meta.url);
  const database = await startDynamoDbLocal();
  globalThis.dynamoDbLocal = database;
  process.env.TEST_DYNAMODB_ENDPOINT = database.endpoint;
  // Tests need hashes, not their cost: bcrypt at cost 4 keeps the suite fast.
  process.env.BCRYPT_COST = '4';
}
