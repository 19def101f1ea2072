/** GET /api/profiles/{username} */
import { documentClient } from '../shared/clients.ts';
import { tableName } from '../shared/config.ts';
import { notFound } from '../shared/errors.ts';
import { apiHandler } from '../shared/http.ts';
import { presentProfile } from '../shared/presenters.ts';
import { RelationsRepository } from '../shared/relations-repository.ts';
import { UsersRepository } from '../shared/users-repository.ts';

const users = new UsersRepository(documentClient, tableName('Users'));
const relations = new RelationsRepository(documentClient, tableName('Relations'));

export const handler = apiHandler(async ({ userId, path }) => {
  const user = await users.findByUsername(path.username ?? '');
  if (!user) throw notFound('profile');
  const following = await relations.followingSet(userId, [user.id]);
  return { statusCode: 200, body: { profile: presentProfile(user, following.has(user.id)) } };
});
