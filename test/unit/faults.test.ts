/**
 * The fault spec and the injector's choices (local/faults.ts); the faults' effect on workflows and
 * handlers is tested through the runtime (test/workflows/, test/e2e/).
 */
import {
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactionConflictException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { type ArticleSearch, SearchUnavailableError } from '../../lambdas/shared/search/article-search.ts';
import {
  FaultInjector,
  FaultSpecError,
  injectDynamoDbFaults,
  injectSearchFaults,
  lambdaInvocationError,
  parseFaultSpec,
  taskScope,
} from '../../local/faults.ts';

describe('parseFaultSpec', () => {
  it('reads service, action, state, error, rate and count', () => {
    expect(
      parseFaultSpec(
        'dynamodb:ThrottlingException@5%, lambda/present-article:TooManyRequestsException*2,dynamodb/TransactWriteItems#Save user and markers:TransactionConflict,lambda#*:timeout',
      ),
    ).toEqual([
      { service: 'dynamodb', error: 'ThrottlingException', rate: 0.05 },
      { service: 'lambda', action: 'present-article', error: 'TooManyRequestsException', times: 2 },
      {
        service: 'dynamodb',
        action: 'TransactWriteItems',
        state: 'Save user and markers',
        error: 'TransactionConflict',
      },
      { service: 'lambda', state: '*', error: 'timeout' },
    ]);
    expect(parseFaultSpec('')).toEqual([]);
  });

  it.each([
    ['dynamodb', /expected <service>/],
    ['s3:SlowDown', /no service s3/],
    ['dynamodb:SlowDown', /dynamodb has no fault SlowDown/],
    ['lambda:timeout@150%', /rate must be 0 to 100/],
  ])('refuses %s', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(FaultSpecError);
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });
});

describe('FaultInjector', () => {
  const call = { service: 'dynamodb', action: 'GetItem' } as const;

  it('fails the next N matching calls, then none', () => {
    const faults = new FaultInjector(parseFaultSpec('dynamodb/GetItem:InternalServerError*2'));
    expect(faults.pick({ service: 'dynamodb', action: 'Query' })).toBeUndefined();
    expect(faults.pick(call)?.error).toBe('InternalServerError');
    expect(faults.pick(call)?.status).toBe(500);
    expect(faults.pick(call)).toBeUndefined();
    expect(faults.active).toEqual([]);
    expect(faults.injected().count).toBe(2);
  });

  it('draws a rate from its seed: the same seed fails the same calls', () => {
    const pattern = (seed: number) => {
      const faults = new FaultInjector(parseFaultSpec('dynamodb:ThrottlingException@30%'), seed);
      return Array.from({ length: 200 }, () => (faults.pick(call) ? 1 : 0)).join('');
    };
    expect(pattern(7)).toBe(pattern(7));
    expect(pattern(7)).not.toBe(pattern(8));
    const failed = [...pattern(7)].filter((bit) => bit === '1').length;
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(90);
  });

  it('scopes a rule to a Task state, or to any state with *', async () => {
    const faults = new FaultInjector(
      parseFaultSpec('lambda#Issue token:ServiceException,dynamodb#*:ThrottlingException'),
    );
    const lambdaCall = { service: 'lambda', action: 'issue-token' } as const;
    expect(faults.pick(lambdaCall)).toBeUndefined();
    expect(faults.pick(call)).toBeUndefined();
    await taskScope.run({ workflow: 'register-user', state: 'Validate' }, async () => {
      expect(faults.pick(lambdaCall)).toBeUndefined();
      expect(faults.pick(call)?.error).toBe('ThrottlingException');
    });
    await taskScope.run({ workflow: 'register-user', state: 'Issue token' }, async () => {
      expect(faults.pick(lambdaCall)).toMatchObject({ error: 'ServiceException', state: 'Issue token' });
    });
    expect(faults.injected().recent.map(({ workflow, state }) => ({ workflow, state }))).toEqual([
      { workflow: 'register-user', state: 'Validate' },
      { workflow: 'register-user', state: 'Issue token' },
    ]);
  });

  it('scopes a rule to a Task state of one workflow with <workflow>/<state>', async () => {
    const faults = new FaultInjector(parseFaultSpec('lambda#update-user/Issue token:ServiceException'));
    const lambdaCall = { service: 'lambda', action: 'issue-token' } as const;
    await taskScope.run({ workflow: 'register-user', state: 'Issue token' }, async () => {
      expect(faults.pick(lambdaCall)).toBeUndefined();
    });
    await taskScope.run({ workflow: 'update-user', state: 'Issue token' }, async () => {
      expect(faults.pick(lambdaCall)?.error).toBe('ServiceException');
    });
  });

  it('never refuses a read for a transaction conflict', () => {
    const faults = new FaultInjector(parseFaultSpec('dynamodb:TransactionConflict'));
    expect(faults.pick(call)).toBeUndefined();
    expect(faults.pick({ service: 'dynamodb', action: 'UpdateItem' })?.error).toBe('TransactionConflict');
  });
});

describe('injectDynamoDbFaults', () => {
  // Nothing listens here: a call the faults let through fails to connect, which the tests tell apart.
  const client = (faults: FaultInjector) => {
    const dynamoDb = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
    injectDynamoDbFaults(dynamoDb, faults);
    return dynamoDb;
  };
  const key = { pk: { S: 'user#1' } };

  it("answers as DynamoDB does, parsed by the SDK into DynamoDB's exception", async () => {
    const dynamoDb = client(new FaultInjector(parseFaultSpec('dynamodb:ThrottlingException')));
    const error = await dynamoDb.send(new GetItemCommand({ TableName: 't', Key: key })).catch((e) => e);
    expect(error).toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate of requests exceeds the allowed throughput.',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('cancels a transaction with TransactionConflict at one item and None at the others', async () => {
    const dynamoDb = client(new FaultInjector(parseFaultSpec('dynamodb:TransactionConflict'), 3));
    const item = { Put: { TableName: 't', Item: key } };
    const error = await dynamoDb
      .send(new TransactWriteItemsCommand({ TransactItems: [item, item, item] }))
      .catch((e) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    const codes = (error as TransactionCanceledException).CancellationReasons?.map(({ Code }) => Code);
    expect(codes?.filter((code) => code === 'TransactionConflict')).toHaveLength(1);
    expect(codes?.filter((code) => code === 'None')).toHaveLength(2);
    expect((error as Error).message).toBe(
      `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes?.join(', ')}]`,
    );
    const single = await dynamoDb.send(new PutItemCommand({ TableName: 't', Item: key })).catch((e) => e);
    expect(single).toBeInstanceOf(TransactionConflictException);
  });

  it('lets calls through when no rule picks them, and the SDK retries each attempt anew', async () => {
    const faults = new FaultInjector(parseFaultSpec('dynamodb:InternalServerError*2'));
    const dynamoDb = new DynamoDBClient({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      maxAttempts: 3,
    });
    injectDynamoDbFaults(dynamoDb, faults);
    const error = await dynamoDb.send(new GetItemCommand({ TableName: 't', Key: key })).catch((e) => e);
    // Two attempts answered 500, the third reached the (absent) endpoint.
    expect(faults.injected().count).toBe(2);
    expect((error as Error).name).not.toBe('InternalServerError');
  });
});

describe('lambdaInvocationError', () => {
  const fault = (error: string) => {
    const faults = new FaultInjector(parseFaultSpec(`lambda:${error}`));
    const picked = faults.pick({ service: 'lambda', action: 'issue-token' });
    if (!picked) throw new Error('no fault');
    return picked;
  };

  it("names a throttle and a service error as Step Functions' Lambda integration does", () => {
    expect(lambdaInvocationError(fault('TooManyRequestsException'), 'issue-token')).toMatchObject({
      name: 'Lambda.TooManyRequestsException',
      message: expect.stringMatching(
        /^Rate Exceeded\. \(Service: AWSLambda; Status Code: 429; Error Code: TooManyRequestsException; Request ID: [0-9a-f-]+; Proxy: null\)$/,
      ),
    });
    expect(lambdaInvocationError(fault('ServiceException'), 'issue-token').name).toBe(
      'Lambda.ServiceException',
    );
  });

  it("reports its client's timeout as the SDK client error it is, without a status", () => {
    expect(lambdaInvocationError(fault('ClientExecutionTimeoutException'), 'issue-token')).toMatchObject({
      name: 'Lambda.ClientExecutionTimeoutException',
      message: 'Client execution did not complete before the specified timeout configuration.',
    });
  });

  it('reports a timeout as Lambda.Unknown', () => {
    expect(lambdaInvocationError(fault('timeout'), 'issue-token')).toMatchObject({
      name: 'Lambda.Unknown',
      message: expect.stringContaining('Task timed out after'),
    });
  });
});

it('search faults surface as the adapter reports OpenSearch refusing', async () => {
  const calls: string[] = [];
  const search: ArticleSearch = {
    upsert: async (document) => void calls.push(`upsert ${document.id}`),
    remove: async (articleId) => void calls.push(`remove ${articleId}`),
    list: async () => ({ ids: [], total: 0 }),
    tags: async () => [],
    documents: async function* () {},
    rebuild: async () => 0,
  };
  const faults = new FaultInjector(parseFaultSpec('opensearch/upsert:429*1,opensearch/remove:reset*1'));
  injectSearchFaults(search, faults);
  const document = {
    id: 'a',
    title: 'A',
    description: 'A',
    body: 'A',
    tagList: [],
    authorId: 'u',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  await expect(search.upsert(document)).rejects.toThrow(
    new SearchUnavailableError('OpenSearch answered 429 (es_rejected_execution_exception)'),
  );
  await expect(search.remove('a')).rejects.toThrow(/OpenSearch could not be reached \(ConnectionError/);
  await search.upsert(document);
  await search.remove('a');
  expect(calls).toEqual(['upsert a', 'remove a']);
});
