/**
 * GET /api/articles/{slug}/comments, newest first. Round trips do not grow with the number of
 * comments: article by slug (2 GetItem), the comment query, then one BatchGetItem for the authors and
 * one for whether the reader follows them (per 100 distinct authors).
 */
import { ArticlesRepository } from '../shared/articles-repository.ts';
import { documentClient } from '../shared/clients.ts';
import { tableName } from '../shared/config.ts';
import { notFound } from '../shared/errors.ts';
import { apiHandler } from '../shared/http.ts';
import { presentComment, presentProfile } from '../shared/presenters.ts';
import { RelationsRepository } from '../shared/relations-repository.ts';
import { UsersRepository } from '../shared/users-repository.ts';

const articles = new ArticlesRepository(documentClient, tableName('Articles'));
const users = new UsersRepository(documentClient, tableName('Users'));
const relations = new RelationsRepository(documentClient, tableName('Relations'));

export const handler = apiHandler(async ({ userId, path }) => {
  const article = await articles.findBySlug(path.slug ?? '');
  if (!article) throw notFound('article');
  const comments = await relations.listComments(article.id);
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
  return { statusCode: 200, body: { comments: body } };
});
