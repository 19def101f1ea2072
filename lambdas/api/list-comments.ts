/**
 * GET /api/articles/{slug}/comments, newest first: every comment, as the spec says, or with `limit`
 * or `cursor` (beyond the spec) a page and the `nextCursor` of the next one. Round trips do not grow
 * with the number of comments: the slug marker, then the article (that it exists) and the comment
 * query at once, then one BatchGetItem for the authors and one for whether the reader follows them
 * (per 100 distinct authors).
 */
import { z } from 'zod';
import { commentsQuery } from '../../schemas/requests.ts';
import { ArticlesRepository } from '../shared/articles-repository.ts';
import { documentClient } from '../shared/clients.ts';
import { tableName } from '../shared/config.ts';
import { cursorScope, decodeCursor, encodeCursor } from '../shared/cursors.ts';
import { notFound } from '../shared/errors.ts';
import { apiHandler, parseQuery } from '../shared/http.ts';
import { presentComment, presentProfile } from '../shared/presenters.ts';
import { RelationsRepository } from '../shared/relations-repository.ts';
import { UsersRepository } from '../shared/users-repository.ts';

const articles = new ArticlesRepository(documentClient, tableName('Articles'));
const users = new UsersRepository(documentClient, tableName('Users'));
const relations = new RelationsRepository(documentClient, tableName('Relations'));

/** A comments cursor holds the id of the last comment served. */
const commentPosition = z.strictObject({ id: z.int().positive() });

/** A page after a cursor given without `limit`. */
const DEFAULT_PAGE = 20;

export const handler = apiHandler(async ({ userId, path, query }) => {
  const { limit, cursor } = parseQuery(query, commentsQuery);
  const articleId = await articles.findIdBySlug(path.slug ?? '');
  if (!articleId) throw notFound('article');
  const scope = cursorScope('GET /api/articles/{slug}/comments', { article: articleId, reader: userId });
  const after = cursor ? decodeCursor(cursor, scope, commentPosition) : undefined;
  const paged = limit !== undefined || after !== undefined;
  const [article, { comments, more }] = await Promise.all([
    articles.findById(articleId),
    relations.listComments(
      articleId,
      paged ? { limit: limit ?? DEFAULT_PAGE, ...(after ? { before: after.id } : {}) } : undefined,
    ),
  ]);
  if (!article) throw notFound('article');
  const authorIds = comments.map((comment) => comment.authorId);
  const [authors, followed] = await Promise.all([
    users.findManyByIds(authorIds),
    relations.followingSet(userId, authorIds),
  ]);
  const body = comments.flatMap((comment) => {
    const author = authors.get(comment.authorId);
    // Users are never deleted, so every author exists; a missing one is skipped rather than failing the page.
    return author ? [presentComment(comment, presentProfile(author, followed.has(author.id)))] : [];
  });
  const last = comments.at(-1);
  return {
    statusCode: 200,
    body: {
      comments: body,
      ...(more && last ? { nextCursor: encodeCursor(scope, { id: last.id }) } : {}),
    },
  };
});
