/** GET /api/user */
import { documentClient } from '../shared/clients.ts';
import { tableName } from '../shared/config.ts';
import { AppError } from '../shared/errors.ts';
import { apiHandler } from '../shared/http.ts';
import { presentUser } from '../shared/presenters.ts';
import { authorizationHeader, tokenFromHeader } from '../shared/tokens.ts';
import { UsersRepository } from '../shared/users-repository.ts';

const users = new UsersRepository(documentClient, tableName('Users'));

export const handler = apiHandler(async ({ event, userId }) => {
  const user = userId ? await users.findById(userId) : undefined;
  if (!user) throw new AppError('Unauthorized', { token: ['is invalid'] });
  const token = tokenFromHeader(authorizationHeader(event.headers) ?? '') ?? '';
  return { statusCode: 200, body: presentUser(user, token) };
});
