/**
 * verify-data on data made through the API: every workflow and event of a small mixed workload
 * leaves nothing to report. Then `npm run verify-data` against the runtime over HTTP (the local
 * target and its /_local/ admin routes): exit 0 on that data, 1 with a feed entry and a search
 * document corrupted, 0 after `--repair`, 2 when there is no server. And the admin routes' own
 * contract: settle, validation, unknown routes, none of them among the API's routes.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { partitionOf } from '../../lambdas/shared/keys.ts';
import type { FeedRecord } from '../../lambdas/shared/records.ts';
import { articleSearch } from '../../lambdas/shared/search/configured.ts';
import { verifyData } from '../../ops/verify-data.ts';
import { repoRoot } from '../../schemas/paths.ts';
import { routes } from '../../schemas/routes.ts';
import { userIdOf } from '../support/articles.ts';
import { registerUser, useTestRuntime } from '../support/runtime.ts';

const { runtime, db, api } = useTestRuntime();

/** Runs the CLI as an operator would; resolves with its exit code and output. */
async function verifyCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('npm', ['run', '-s', 'verify-data', '--', ...args], {
      cwd: repoRoot,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

const verifyOptions = async () => ({
  db: db(),
  tableNames: runtime().tableNames,
  search: await articleSearch(),
});

describe('verify-data on data made through the API', () => {
  let reader: Awaited<ReturnType<typeof registerUser>>;
  let readerId: string;

  beforeAll(async () => {
    const [author, other] = [await registerUser(api, 'author'), await registerUser(api, 'other')];
    reader = await registerUser(api, 'reader');
    readerId = await userIdOf(db(), runtime(), reader.username);
    const write = async (method: 'post' | 'put' | 'delete', path: string, body?: unknown, token?: string) => {
      const response =
        method === 'delete' ? await api.delete(path, token) : await api[method](path, body, token);
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status}`);
      return response.body;
    };
    const article = async (token: string, title: string, tagList: string[]) =>
      (
        await write(
          'post',
          '/api/articles',
          { article: { title, description: 'd', body: 'b', tagList } },
          token,
        )
      ).article as { slug: string; createdAt: string };

    await write('post', `/api/profiles/${author.username}/follow`, undefined, reader.token);
    const first = await article(author.token, 'First', ['dragons', 'training']);
    const second = await article(author.token, 'Second', ['dragons']);
    const third = await article(other.token, 'Third', ['training', 'zebras']);
    await write('post', `/api/profiles/${other.username}/follow`, undefined, reader.token);
    await write('post', `/api/articles/${first.slug}/favorite`, undefined, reader.token);
    await write('post', `/api/articles/${second.slug}/favorite`, undefined, other.token);
    await write('delete', `/api/articles/${second.slug}/favorite`, undefined, other.token);
    await write('post', `/api/articles/${first.slug}/comments`, { comment: { body: 'hi' } }, other.token);
    await write('post', `/api/articles/${second.slug}/comments`, { comment: { body: 'hi' } }, reader.token);
    const { comment } = await write(
      'post',
      `/api/articles/${third.slug}/comments`,
      { comment: { body: 'x' } },
      author.token,
    );
    await write('delete', `/api/articles/${third.slug}/comments/${comment.id}`, undefined, author.token);
    await write('post', `/api/articles/${second.slug}/favorite`, undefined, reader.token);
    await write('delete', `/api/articles/${second.slug}`, undefined, author.token);
    await write('put', `/api/articles/${first.slug}`, { article: { title: 'First, renamed' } }, author.token);
    await write('put', '/api/user', { user: { username: `${author.username}x` } }, author.token);
    await write('delete', `/api/profiles/${other.username}/follow`, undefined, reader.token);
    await write('post', `/api/profiles/${other.username}/follow`, undefined, reader.token);
    await write('delete', `/api/profiles/${author.username}x/follow`, undefined, reader.token);
    await write('post', `/api/profiles/${author.username}x/follow`, undefined, reader.token);
    // A follow of an author with more than 20 articles brings the 20 latest (feedFrom), and every later one.
    const prolific = await registerUser(api, 'prolific');
    for (let index = 0; index < 21; index++) await article(prolific.token, `Prolific ${index}`, []);
    await write('post', `/api/profiles/${prolific.username}/follow`, undefined, reader.token);
    await article(prolific.token, 'Prolific, after the follow', ['later']);
    expect((await api.get('/api/articles/feed', reader.token)).body.articlesCount).toBe(2 + 20 + 1);
  });

  it('finds nothing to report', async () => {
    const report = await verifyData(await verifyOptions());
    expect(report.findings).toEqual([]);
    expect(report.checked).toMatchObject({
      users: 4,
      articles: 2 + 22,
      follows: 3,
      feedEntries: 23,
      expectedFeedEntries: 23,
      searchDocuments: 24,
      tags: 4,
    });
  });

  it('the CLI exits 0 on clean data, 1 with findings, 0 after --repair, 2 without a server', async () => {
    const local = ['--local', runtime().url];
    const clean = await verifyCli(...local);
    expect(clean).toMatchObject({ code: 0 });
    expect(clean.stdout).toContain('no findings');

    const { Items: [entry] = [] } = await db().send(
      new QueryCommand({
        TableName: runtime().tableNames.Relations,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partitionOf.feed(readerId) },
        Limit: 1,
      }),
    );
    const { pk, sk, articleId } = entry as FeedRecord;
    await db().send(new DeleteCommand({ TableName: runtime().tableNames.Relations, Key: { pk, sk } }));
    const ghost = await fetch(`${runtime().url}/_local/search/documents/ghost-article`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        id: 'ghost-article',
        title: 'Ghost',
        description: '',
        body: '',
        tagList: ['ghostly'],
        authorId: 'ghost-author',
        createdAt: '2024-01-01T00:00:00.000Z',
        updatedAt: '2024-01-01T00:00:00.000Z',
      }),
    });
    expect(ghost.status).toBe(204);

    const broken = await verifyCli(...local);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`feed-entry-missing: feed of ${readerId} lacks article ${articleId}`);
    expect(broken.stdout).toContain('search-document-ghost: search index lists article ghost-article');

    const repaired = await verifyCli(...local, '--repair');
    expect(repaired.code).toBe(0);
    expect(repaired.stdout).toContain(`feed-entry-missing: put Relations ${pk} / ${sk}`);
    expect(repaired.stdout).toContain('search-document-ghost: removed search document ghost-article');
    expect(repaired.stdout.trim().endsWith('no findings')).toBe(true);
    expect((await verifyData(await verifyOptions())).findings).toEqual([]);

    const noServer = await verifyCli('--local', 'http://127.0.0.1:9');
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toContain('No local server at http://127.0.0.1:9');
  }, 90_000);

  it('the admin routes settle events, validate what they are given, and exist only locally', async () => {
    const admin = (method: string, path: string, body?: unknown) =>
      fetch(`${runtime().url}/_local/${path}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const settled = await admin('POST', 'events/settle');
    expect([settled.status, await settled.json()]).toEqual([200, { settled: true }]);
    const document = {
      id: 'a',
      tagList: [],
      createdAt: '2024-01-01T00:00:00.000Z',
      updatedAt: '2024-01-01T00:00:00.000Z',
    };
    expect((await admin('PUT', 'search/documents/b', document)).status).toBe(422);
    expect((await admin('PUT', 'search/documents/a', { id: 'a' })).status).toBe(422);
    expect((await admin('GET', 'search/articles?limit=-1')).status).toBe(422);
    const unknown = await admin('GET', 'nothing-here');
    expect([unknown.status, await unknown.json()]).toEqual([
      404,
      { errors: { route: ['no admin route GET /_local/nothing-here'] } },
    ]);
    const runtimeInfo = await (await admin('GET', 'runtime')).json();
    expect(runtimeInfo).toEqual({
      dynamoDbEndpoint: runtime().dynamoDbEndpoint,
      tableNames: runtime().tableNames,
    });
    expect(routes.filter((route) => route.path.startsWith('/_local'))).toEqual([]);
  });
});
