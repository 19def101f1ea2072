/**
 * add-comment and delete-comment: the real ASL files on aws-local-stepfunctions against DynamoDB
 * Local, every branch, checked against what is stored.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { articleKey, commentKey, partitionOf, slugKey } from '../../lambdas/shared/keys.ts';
import type { ArticleRecord, CommentRecord } from '../../lambdas/shared/records.ts';
import { seedArticle } from '../support/articles.ts';
import { type TestRuntime, uniqueName, useTestRuntime } from '../support/runtime.ts';
import { registerThroughWorkflow, requestInput } from '../support/workflows.ts';

type ExecutionInput = Parameters<TestRuntime['workflows']['startSync']>[1];

const { runtime, db } = useTestRuntime();

const registered = () => registerThroughWorkflow(runtime(), db(), 'cm');

const addComment = (callerId: string, slug: string, body: ExecutionInput) =>
  runtime().workflows.startSync('add-comment', requestInput({ userId: callerId, path: { slug }, body }));

const deleteComment = (callerId: string, slug: string, id: string) =>
  runtime().workflows.startSync('delete-comment', requestInput({ userId: callerId, path: { slug, id } }));

const storedArticle = async (id: string) =>
  (await db().send(new GetCommand({ TableName: runtime().tableNames.Articles, Key: { pk: articleKey(id) } })))
    .Item as ArticleRecord | undefined;

const storedComments = async (articleId: string) =>
  ((
    await db().send(
      new QueryCommand({
        TableName: runtime().tableNames.Relations,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partitionOf.comments(articleId) },
      }),
    )
  ).Items ?? []) as CommentRecord[];

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('add-comment', () => {
  it('takes id 1 from the counter, stores the comment and answers 201 with it', async () => {
    const author = await registered();
    const article = await seedArticle(db(), runtime(), author.id);
    const result = await addComment(author.id, article.slug, { comment: { body: '  Nice article  ' } });
    expect(result.status).toBe('SUCCEEDED');
    const output = JSON.parse(result.output ?? '');
    expect(output).toEqual({
      comment: {
        id: 1,
        createdAt: expect.stringMatching(TIMESTAMP),
        updatedAt: output.comment.createdAt,
        body: 'Nice article',
        author: { username: author.username, bio: null, image: null, following: false },
      },
    });
    expect(await storedComments(article.id)).toEqual([
      {
        ...commentKey(article.id, 1),
        id: 1,
        articleId: article.id,
        body: 'Nice article',
        authorId: author.id,
        createdAt: output.comment.createdAt,
        updatedAt: output.comment.createdAt,
      },
    ]);
    expect(await storedArticle(article.id)).toMatchObject({ commentSeq: 1, lastChange: 'commentSeq' });
  });

  it('hands out distinct consecutive ids to concurrent comments', async () => {
    const author = await registered();
    const article = await seedArticle(db(), runtime(), author.id);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        addComment(author.id, article.slug, { comment: { body: `comment ${index}` } }),
      ),
    );
    const ids = results.map((result) => JSON.parse(result.output ?? '').comment.id as number);
    expect(ids.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await storedComments(article.id)).map((comment) => comment.id)).toEqual(ids);
    expect((await storedArticle(article.id))?.commentSeq).toBe(10);
  });

  it.each([
    [{ comment: { body: '' } }, { body: ["can't be blank"] }],
    [{ comment: { body: '   ' } }, { body: ["can't be blank"] }],
    [{ comment: {} }, { body: ["can't be blank"] }],
    [{ comment: { body: 42 } }, { body: ['must be a string'] }],
    [{}, { comment: ["can't be blank"] }],
    [null, { comment: ["can't be blank"] }],
  ])('fails with Validation for %j, without taking an id', async (body, errors) => {
    const author = await registered();
    const article = await seedArticle(db(), runtime(), author.id);
    const result = await addComment(author.id, article.slug, body);
    expect(result).toMatchObject({ status: 'FAILED', error: 'Validation' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors });
    expect((await storedArticle(article.id))?.commentSeq).toBe(0);
    expect(await storedComments(article.id)).toEqual([]);
  });

  it('fails with NotFound for an unknown slug', async () => {
    const author = await registered();
    const result = await addComment(author.id, uniqueName('no-such-'), { comment: { body: 'x' } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'NotFound' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { article: ['not found'] } });
  });

  it('fails with NotFound when the slug marker outlives its article, creating nothing', async () => {
    const author = await registered();
    const article = await seedArticle(db(), runtime(), author.id);
    await db().send(new DeleteCommand({ TableName: runtime().tableNames.Articles, Key: { pk: article.pk } }));
    const result = await addComment(author.id, article.slug, { comment: { body: 'x' } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'NotFound' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { article: ['not found'] } });
    // The conditional counter update must not have created a stub article.
    expect(await storedArticle(article.id)).toBeUndefined();
    expect(await storedComments(article.id)).toEqual([]);
  });

  it('fails with Unauthorized for a caller who is not a user', async () => {
    const author = await registered();
    const article = await seedArticle(db(), runtime(), author.id);
    const result = await addComment(randomUUID(), article.slug, { comment: { body: 'x' } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'Unauthorized' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { token: ['is invalid'] } });
    expect(await storedComments(article.id)).toEqual([]);
  });

  it('never overwrites a stored comment: a taken id is an internal failure, not a 2xx', async () => {
    const author = await registered();
    const article = await seedArticle(db(), runtime(), author.id);
    const existing = {
      ...commentKey(article.id, 1),
      id: 1,
      articleId: article.id,
      body: 'already here',
      authorId: author.id,
      createdAt: article.createdAt,
      updatedAt: article.createdAt,
    };
    await db().send(new PutCommand({ TableName: runtime().tableNames.Relations, Item: existing }));
    const result = await addComment(author.id, article.slug, { comment: { body: 'x' } });
    expect(result).toMatchObject({ status: 'FAILED', error: 'DynamoDb.TransactionCanceledException' });
    expect(await storedComments(article.id)).toEqual([existing]);
  });
});

describe('delete-comment', () => {
  async function commented() {
    const author = await registered();
    const article = await seedArticle(db(), runtime(), author.id);
    const result = await addComment(author.id, article.slug, { comment: { body: 'to delete' } });
    const id = JSON.parse(result.output ?? '').comment.id as number;
    return { author, article, id };
  }

  it('deletes the comment and answers 204 with no body', async () => {
    const { author, article, id } = await commented();
    const result = await deleteComment(author.id, article.slug, String(id));
    expect(result.status).toBe('SUCCEEDED');
    expect(JSON.parse(result.output ?? '')).toEqual({});
    expect(await storedComments(article.id)).toEqual([]);
  });

  it('deletes only the named comment', async () => {
    const { author, article, id } = await commented();
    await addComment(author.id, article.slug, { comment: { body: 'stays' } });
    await deleteComment(author.id, article.slug, String(id));
    expect((await storedComments(article.id)).map((comment) => comment.body)).toEqual(['stays']);
  });

  it('fails with Forbidden for someone other than its author and keeps it', async () => {
    const { article, id } = await commented();
    const other = await registered();
    const result = await deleteComment(other.id, article.slug, String(id));
    expect(result).toMatchObject({ status: 'FAILED', error: 'Forbidden' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { comment: ['forbidden'] } });
    expect(await storedComments(article.id)).toHaveLength(1);
  });

  it.each(['99', 'abc', '1.0', '-1', '', '12345678901'])(
    'fails with NotFound for comment id "%s" of an existing article',
    async (commentId) => {
      const { author, article } = await commented();
      const result = await deleteComment(author.id, article.slug, commentId);
      expect(result).toMatchObject({ status: 'FAILED', error: 'NotFound' });
      expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { comment: ['not found'] } });
      expect(await storedComments(article.id)).toHaveLength(1);
    },
  );

  it('fails with NotFound for an unknown article', async () => {
    const author = await registered();
    const result = await deleteComment(author.id, uniqueName('no-such-'), '1');
    expect(result).toMatchObject({ status: 'FAILED', error: 'NotFound' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { article: ['not found'] } });
  });

  it('does not reach a comment of another article through its id', async () => {
    const { author, article, id } = await commented();
    const otherArticle = await seedArticle(db(), runtime(), author.id);
    const result = await deleteComment(author.id, otherArticle.slug, String(id));
    expect(result).toMatchObject({ status: 'FAILED', error: 'NotFound' });
    expect(await storedComments(article.id)).toHaveLength(1);
  });

  it('lets exactly one of concurrent deletes succeed; the others find nothing', async () => {
    const { author, article, id } = await commented();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => deleteComment(author.id, article.slug, String(id))),
    );
    expect(results.filter((result) => result.status === 'SUCCEEDED')).toHaveLength(1);
    for (const failed of results.filter((result) => result.status === 'FAILED')) {
      expect(failed.error).toBe('NotFound');
    }
    expect(await storedComments(article.id)).toEqual([]);
  });

  it('fails with NotFound when the slug no longer names the article (renamed or deleted)', async () => {
    const { author, article, id } = await commented();
    await db().send(
      new DeleteCommand({ TableName: runtime().tableNames.Articles, Key: { pk: slugKey(article.slug) } }),
    );
    const result = await deleteComment(author.id, article.slug, String(id));
    expect(result).toMatchObject({ status: 'FAILED', error: 'NotFound' });
    expect(JSON.parse(result.cause ?? '')).toEqual({ errors: { article: ['not found'] } });
  });
});
