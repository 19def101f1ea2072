/** POST /api/users/login */
import bcrypt from 'bcryptjs';
import { loginRequest } from '../../schemas/requests.ts';
import { documentClient } from '../shared/clients.ts';
import { tableName } from '../shared/config.ts';
import { invalidCredentials } from '../shared/errors.ts';
import { apiHandler, parseBody } from '../shared/http.ts';
import { presentUser } from '../shared/presenters.ts';
import { signToken } from '../shared/tokens.ts';
import { UsersRepository } from '../shared/users-repository.ts';

const users = new UsersRepository(documentClient, tableName('Users'));
// Compared against when the email is unknown, so both failures take as long.
const UNKNOWN_USER_HASH = bcrypt.hashSync('not a password', 10);

export const handler = apiHandler(async ({ event }) => {
  const { user: credentials } = parseBody(event, loginRequest);
  const user = await users.findByEmail(credentials.email);
  const matches = await bcrypt.compare(credentials.password, user?.passwordHash ?? UNKNOWN_USER_HASH);
  if (!user || !matches) throw invalidCredentials();
  return { statusCode: 200, body: presentUser(user, await signToken({ userId: user.id })) };
});
