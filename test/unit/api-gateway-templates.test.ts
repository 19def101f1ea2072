import { readFileSync } from 'node:fs';
import { statusOfError } from '../../lambdas/shared/errors.ts';
import {
  escapeJavaScript,
  InvalidRequestBodyError,
  parseStartSyncExecutionInput,
  renderStartSyncExecutionRequest,
  renderStartSyncExecutionResponse,
  type StartSyncExecutionRequestParams,
  type StartSyncExecutionResponse,
} from '../../local/api-gateway-templates.ts';
import {
  requestTemplatePath,
  responseTemplatePath,
  stateMachineArnPlaceholder,
} from '../../schemas/api-gateway/templates.ts';
import { MAX_LOOKUP_LENGTH } from '../../schemas/requests.ts';
import { routes, type SuccessStatus, serviceUnavailable } from '../../schemas/routes.ts';

const stateMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:register-user';
const genericError = '{"errors":{"server":["internal error"]}}';

function renderInput(params: Partial<StartSyncExecutionRequestParams> = {}) {
  const request = renderStartSyncExecutionRequest({ stateMachineArn, requestId: 'req-1', ...params });
  return { request, input: parseStartSyncExecutionInput(request.input) };
}

function succeeded(output: unknown): StartSyncExecutionResponse {
  return { status: 'SUCCEEDED', output: JSON.stringify(output) };
}

describe('the template files', () => {
  const request = readFileSync(requestTemplatePath, 'utf8');
  const response = readFileSync(responseTemplatePath, 'utf8');

  it('have the state machine ARN placeholder once, in the request template', () => {
    expect(request.split(stateMachineArnPlaceholder)).toHaveLength(2);
    expect(response).not.toContain(stateMachineArnPlaceholder);
  });

  it('read no header but Idempotency-Key, and that one by name only', () => {
    expect(request.match(/\.header\b/g)).toHaveLength(2);
    expect(request).toContain('$headerName.toLowerCase() == "idempotency-key"');
    expect(request).not.toMatch(/params\(['"]/i);
  });

  it('assign the status override in exactly one place', () => {
    expect(response.match(/#set\(\$context\.responseOverride\.status/g)).toHaveLength(1);
  });
});

describe('start-sync-execution.request.vtl', () => {
  it('builds the StartSyncExecution request for a JSON body', () => {
    const body = { user: { email: 'jake@jake.jake', password: 'jakejake', username: 'jake' } };
    const { request, input } = renderInput({ body: JSON.stringify(body), requestId: 'c0ffee-1' });

    expect(request.stateMachineArn).toBe(stateMachineArn);
    expect(request.name).toBe('c0ffee-1');
    expect(input).toEqual({
      requestId: 'c0ffee-1',
      auth: { userId: '' },
      idempotencyKey: '',
      path: {},
      query: {},
      body,
    });
  });

  it('passes the Idempotency-Key header, whatever the case of its name, exactly', () => {
    for (const name of ['Idempotency-Key', 'idempotency-key', 'IDEMPOTENCY-KEY']) {
      expect(renderInput({ headers: { [name]: `k"e'y\\1` } }).input.idempotencyKey).toBe(`k"e'y\\1`);
    }
    expect(renderInput({ headers: { 'X-Idempotency-Key': 'other' } }).input.idempotencyKey).toBe('');
  });

  it('keeps any body content exactly: quotes, backslashes, newlines, unicode, single quotes', () => {
    const body = {
      article: {
        title: `It's "quoted" \\ back\\slashed \\' and \\"`,
        body: 'line 1\nline 2\r\n\ttabbed\u0000\u001f\u007f\u2028\u2029 </script>',
        description: 'héllo wörld — 日本語 😀 𝄞',
        tagList: ["o'reilly", '\\u0041 is not A', '$input.body #set($x = 1)', ''],
        nested: { n: 1.5, big: -12e3, t: true, f: false, z: null, list: [[], {}] },
      },
    };
    const raw = JSON.stringify(body, null, 2);
    const { input } = renderInput({ body: raw });

    expect(input.body).toEqual(JSON.parse(raw));
  });

  it('keeps a body whose JSON text itself uses escapes and single quotes', () => {
    const raw = String.raw`{"a":"\u00e9\/'","b":"'''","c":"\\'","d":"\"\ud83d\ude00"}`;
    const { input } = renderInput({ body: raw });

    expect(input.body).toEqual(JSON.parse(raw));
  });

  it.each([undefined, null, '', '  \n\t '])('sets body to null for an empty body (%j)', (body) => {
    expect(renderInput({ body }).input.body).toBeNull();
  });

  it('passes non-object JSON bodies through', () => {
    expect(renderInput({ body: '[1,"two"]' }).input.body).toEqual([1, 'two']);
    expect(renderInput({ body: '"just a string"' }).input.body).toBe('just a string');
  });

  it('rejects a body that is not JSON', () => {
    expect(() => renderInput({ body: '{"user":' })).toThrow(InvalidRequestBodyError);
  });

  it('copies every path and query parameter, escaped', () => {
    const pathParameters = { slug: `how-to-"train"-your-dragon's-\\tail`, id: '42' };
    const queryParameters = {
      tag: 'dragons',
      author: `o'brien "jr" \\ é 😀`,
      limit: '20',
      'we"ird\'key': 'x',
      get: 'a',
      keySet: 'b',
      ['__proto__']: 'c',
    };
    const { input } = renderInput({ pathParameters, queryParameters });

    expect(input.path).toEqual(pathParameters);
    expect(Object.entries(input.query)).toEqual(Object.entries(queryParameters));
  });

  it('passes a path parameter longer than MAX_LOOKUP_LENGTH as "", since it names nothing', () => {
    const longest = '😀'.repeat(MAX_LOOKUP_LENGTH / 2);
    const { input } = renderInput({ pathParameters: { slug: `${longest}x`, username: longest } });
    expect(input.path).toEqual({ slug: '', username: longest });
    expect(readFileSync(requestTemplatePath, 'utf8')).toContain(
      `#if($pathValue.length() > ${MAX_LOOKUP_LENGTH})`,
    );
  });

  it('gives an anonymous request an empty userId', () => {
    expect(renderInput().input.auth).toEqual({ userId: '' });
    expect(renderInput({ authorizer: null }).input.auth).toEqual({ userId: '' });
    expect(renderInput({ authorizer: { principalId: 'anonymous' } }).input.auth).toEqual({ userId: '' });
    expect(renderInput({ authorizer: { userId: '' } }).input.auth).toEqual({ userId: '' });
  });

  it("passes the authorizer's userId and nothing else of its context", () => {
    const { input } = renderInput({
      authorizer: { userId: 'user-7', principalId: 'user-7', token: 'secret-jwt' },
    });

    expect(input.auth).toEqual({ userId: 'user-7' });
    expect(JSON.stringify(input)).not.toContain('secret-jwt');
  });

  it('escapes a userId with quotes', () => {
    expect(renderInput({ authorizer: { userId: `u"'\\1` } }).input.auth).toEqual({ userId: `u"'\\1` });
  });

  it('puts no header but Idempotency-Key in the input', () => {
    const headers = {
      Authorization: 'Token eyJhbGciOiJFUzI1NiJ9.secret.signature',
      'Content-Type': 'application/json',
      'X-Requested-With': 'XMLHttpRequest',
      slug: 'header-slug',
    };
    const { request, input } = renderInput({
      headers,
      authorizer: { userId: 'user-7' },
      pathParameters: { slug: 'path-slug' },
      body: '{"article":{"title":"t"}}',
    });

    expect(Object.keys(input).sort()).toEqual([
      'auth',
      'body',
      'idempotencyKey',
      'path',
      'query',
      'requestId',
    ]);
    expect(input.idempotencyKey).toBe('');
    expect(input.path).toEqual({ slug: 'path-slug' });
    for (const text of [request.input, JSON.stringify(request)]) {
      expect(text).not.toMatch(/authorization|eyJhbGci|secret|content-type|XMLHttpRequest|header-slug/i);
    }
  });

  it('substitutes the ARN of each route', () => {
    const other = 'arn:aws:states:us-east-1:123456789012:stateMachine:update-user';
    expect(renderStartSyncExecutionRequest({ stateMachineArn: other, requestId: 'r' }).stateMachineArn).toBe(
      other,
    );
    expect(renderInput().request.stateMachineArn).toBe(stateMachineArn);
  });
});

describe('start-sync-execution.response.vtl', () => {
  const render = (response: StartSyncExecutionResponse, successStatus: SuccessStatus = 200) =>
    renderStartSyncExecutionResponse(response, 'req-1', successStatus);

  it.each([200, 201] as const)(
    'answers SUCCEEDED with the route status %i and the output as it is',
    (status) => {
      const body = { user: { email: 'jake@jake.jake', bio: `it's "me" \\ é 😀`, image: null } };
      const output = JSON.stringify(body);
      expect(render({ status: 'SUCCEEDED', output }, status)).toEqual({ statusCode: status, body: output });
    },
  );

  it('answers SUCCEEDED 204 with no body, whatever the output', () => {
    expect(render(succeeded({}), 204)).toEqual({ statusCode: 204, body: '' });
    expect(render(succeeded({ article: {} }), 204)).toEqual({ statusCode: 204, body: '' });
  });

  it('is rendered with the success status of each workflow route', () => {
    for (const route of routes) {
      if (!('workflow' in route.target)) continue;
      expect(render(succeeded({ a: 1 }), route.target.successStatus).statusCode).toBe(
        route.target.successStatus,
      );
    }
  });

  it.each([
    ['Validation', 422, '{"errors":{"email":["is invalid"],"password":["can\'t be blank"]}}'],
    ['Unauthorized', 401, '{"errors":{"token":["is invalid"]}}'],
    ['Forbidden', 403, '{"errors":{"article":["forbidden"]}}'],
    ['NotFound', 404, '{"errors":{"article":["not found"]}}'],
    ['Conflict', 409, '{"errors":{"username":["has already been taken \\"jake\\""]}}'],
    ['Unavailable', 503, '{"errors":{"request":["conflicted with concurrent changes, retry shortly"]}}'],
  ])('answers FAILED %s with %i and the cause as body', (error, statusCode, cause) => {
    expect(render({ status: 'FAILED', error, cause })).toEqual({ statusCode, body: cause });
  });

  it('maps every business error kind to the status the Lambda handlers use for it', () => {
    for (const [error, statusCode] of Object.entries(statusOfError)) {
      expect(render({ status: 'FAILED', error, cause: '{"errors":{"x":["y"]}}' }).statusCode).toBe(
        statusCode,
      );
    }
  });

  it.each([
    'States.TaskFailed',
    'States.Timeout',
    'States.Runtime',
    'DynamoDb.DynamoDbException',
    'DynamoDB.ConditionalCheckFailedException',
    'Lambda.InternalServerErrorException',
    'Lambda.ServiceException',
    'validation',
    '',
  ])('answers FAILED %j with 500 and never the cause', (error) => {
    const cause =
      'Transaction cancelled (Service: DynamoDb, Status Code: 400, Request ID: SECRET-123) arn:aws:secret';
    const response = render({ status: 'FAILED', error, cause });

    expect(response).toEqual({ statusCode: 500, body: genericError });
    expect(response.body).not.toContain('SECRET');
  });

  it.each([
    'DynamoDb.InternalServerErrorException',
    'DynamoDB.InternalServerErrorException',
    'DynamoDb.ProvisionedThroughputExceededException',
    'DynamoDb.ThrottlingException',
    'DynamoDB.RequestLimitExceededException',
  ])('answers FAILED %s (a service failure outlasting the retries) with 503 and never the cause', (error) => {
    const cause =
      'connect ECONNREFUSED 127.0.0.1:8000 (Service: DynamoDb, Status Code: 500, Request ID: SECRET)';
    expect(render({ status: 'FAILED', error, cause })).toEqual({
      statusCode: serviceUnavailable.statusCode,
      body: JSON.stringify(serviceUnavailable.body),
    });
  });

  it('answers a known error without a cause with 500', () => {
    expect(render({ status: 'FAILED', error: 'NotFound' })).toEqual({ statusCode: 500, body: genericError });
  });

  it('answers FAILED without an error with 500', () => {
    expect(render({ status: 'FAILED', cause: 'boom' })).toEqual({ statusCode: 500, body: genericError });
  });

  it('answers TIMED_OUT with 500', () => {
    expect(render({ status: 'TIMED_OUT', error: 'States.Timeout', cause: 'secret' })).toEqual({
      statusCode: 500,
      body: genericError,
    });
  });
});

describe('$util.escapeJavaScript', () => {
  it('escapes as Apache Commons Lang escapeJavaScript, single quotes included', () => {
    expect(escapeJavaScript(`a'b"c\\d/e`)).toBe(`a\\'b\\"c\\\\d\\/e`);
    expect(escapeJavaScript('\b\t\n\f\r\u0001\u001f')).toBe('\\b\\t\\n\\f\\r\\u0001\\u001F');
    expect(escapeJavaScript('é😀\u2028')).toBe('\\u00E9\\uD83D\\uDE00\\u2028');
    expect(escapeJavaScript('plain ~ text')).toBe('plain ~ text');
  });
});
