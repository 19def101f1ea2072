/**
 * What reaches the execution logs. Every workflow logs at level ALL, and those that do not carry a
 * password log their execution data too (schemas/workflows.ts, cdk/constructs/workflows.ts): state
 * inputs and outputs, task parameters and raw results. A realistic session over HTTP runs every
 * workflow, and the recorded execution data is scanned for passwords, password hashes, emails and
 * tokens. A workflow that carries a password (its logs have no execution data) may hold its own
 * caller's secrets, never another user's.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { userKey } from '../../lambdas/shared/keys.ts';
import type { UserRecord } from '../../lambdas/shared/records.ts';
import { findWorkflow, workflows } from '../../schemas/workflows.ts';
import { userIdOf } from '../support/articles.ts';
import {
  type ExecutionDataRecorder,
  type RecordedExecution,
  recordExecutionData,
} from '../support/execution-data.ts';
import { uniqueName, useTestRuntime } from '../support/runtime.ts';

const { runtime, db, api } = useTestRuntime();

interface Person {
  readonly username: string;
  id: string;
  readonly emails: string[];
  readonly passwords: string[];
  readonly hashes: string[];
  readonly tokens: string[];
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const BCRYPT_HASH = /\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/g;
const JWT = /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/g;

interface Finding {
  readonly workflow: string;
  readonly event: string;
  readonly state?: string;
  readonly found: string;
  readonly owner: string;
}

/** Every secret in an execution's data, with whose it is ("unknown" when it is nobody's known one). */
function secretsIn(execution: RecordedExecution, people: readonly Person[]): Finding[] {
  const findings: Finding[] = [];
  const ownerOf = (value: string) =>
    people.find(
      (person) =>
        person.emails.some((email) => email.toLowerCase() === value.toLowerCase()) ||
        [...person.passwords, ...person.hashes, ...person.tokens].includes(value),
    )?.username ?? 'unknown';
  for (const { event, state, data } of execution.entries) {
    const text = JSON.stringify(data) ?? '';
    const found = new Set<string>([
      ...(text.match(EMAIL) ?? []),
      ...(text.match(BCRYPT_HASH) ?? []),
      ...(text.match(JWT) ?? []),
      ...people.flatMap((person) => person.passwords.filter((password) => text.includes(password))),
    ]);
    if (text.includes('"passwordHash"')) found.add('passwordHash');
    for (const value of found) {
      findings.push({ workflow: execution.workflow, event, state, found: value, owner: ownerOf(value) });
    }
  }
  return findings;
}

/** The user an execution acts for: the authorizer's verdict, or the user registering. */
function callerOf(execution: RecordedExecution, people: readonly Person[]): string | undefined {
  const started = execution.entries.find((entry) => entry.event === 'ExecutionStarted')?.data as
    | { input?: { auth?: { userId?: string }; body?: { user?: { username?: string } } } }
    | undefined;
  const input = started?.input;
  return people.find(
    (person) =>
      (input?.auth?.userId !== '' && person.id === input?.auth?.userId) ||
      person.username === input?.body?.user?.username,
  )?.username;
}

let recorder: ExecutionDataRecorder;
beforeAll(() => {
  recorder = recordExecutionData();
});
afterAll(() => recorder.restore());

describe('execution data of every workflow', () => {
  const people: Person[] = [];

  async function register(prefix: string): Promise<Person> {
    const username = uniqueName(prefix);
    const person: Person = {
      username,
      id: '',
      emails: [`${username}@mail.example.org`],
      passwords: [`pw-${uniqueName('secret')}`],
      hashes: [],
      tokens: [],
    };
    const response = await api.post('/api/users', {
      user: { username, email: person.emails[0], password: person.passwords[0] },
    });
    expect(response.status).toBe(201);
    person.tokens.push(response.body.user.token);
    person.id = await userIdOf(db(), runtime(), username);
    await keepHash(person);
    people.push(person);
    return person;
  }

  async function keepHash(person: Person): Promise<void> {
    const { Item } = await db().send(
      new GetCommand({ TableName: runtime().tableNames.Users, Key: { pk: userKey(person.id) } }),
    );
    person.hashes.push((Item as UserRecord).passwordHash);
  }

  async function ok(response: Promise<{ status: number }>, status = 200): Promise<void> {
    expect((await response).status).toBe(status);
  }

  it('runs every workflow in a session of three users', async () => {
    const alice = await register('alice');
    const bob = await register('bob');
    const carol = await register('carol');

    const newEmail = `${uniqueName('alice')}@elsewhere.example.org`;
    const newPassword = `pw-${uniqueName('secret')}`;
    const updated = await api.put(
      '/api/user',
      {
        user: {
          email: newEmail,
          password: newPassword,
          bio: 'I write',
          image: 'https://img.example.org/a.png',
        },
      },
      alice.tokens[0],
    );
    expect(updated.status).toBe(200);
    alice.emails.push(newEmail);
    alice.passwords.push(newPassword);
    alice.tokens.push(updated.body.user.token);
    const loggedIn = await api.post('/api/users/login', { user: { email: newEmail, password: newPassword } });
    expect(loggedIn.status).toBe(200);
    alice.tokens.push(loggedIn.body.user.token);
    await keepHash(alice);

    const token = alice.tokens[1];
    await ok(api.post(`/api/profiles/${alice.username}/follow`, undefined, bob.tokens[0]));
    const created = await api.post(
      '/api/articles',
      { article: { title: uniqueName('Logged '), description: 'd', body: 'b', tagList: ['logs'] } },
      token,
    );
    expect(created.status).toBe(201);
    const slug = created.body.article.slug as string;
    await ok(api.post(`/api/articles/${slug}/favorite`, undefined, carol.tokens[0]));
    await ok(api.delete(`/api/articles/${slug}/favorite`, carol.tokens[0]));
    await ok(api.post(`/api/articles/${slug}/favorite`, undefined, carol.tokens[0]));
    const comment = await api.post(
      `/api/articles/${slug}/comments`,
      { comment: { body: 'Hi' } },
      bob.tokens[0],
    );
    expect(comment.status).toBe(201);
    await ok(api.delete(`/api/articles/${slug}/comments/${comment.body.comment.id}`, bob.tokens[0]), 204);
    const renamed = await api.put(
      `/api/articles/${slug}`,
      { article: { title: uniqueName('Renamed ') } },
      token,
    );
    expect(renamed.status).toBe(200);
    await ok(api.delete(`/api/profiles/${alice.username}/follow`, bob.tokens[0]));
    await ok(api.post(`/api/profiles/${alice.username}/follow`, undefined, carol.tokens[0]));
    // Failures carry data too: their causes.
    await ok(api.delete(`/api/articles/${renamed.body.article.slug}`, carol.tokens[0]), 403);
    await ok(api.post(`/api/profiles/${uniqueName('nobody')}/follow`, undefined, carol.tokens[0]), 404);
    await ok(
      api.post(`/api/articles/${renamed.body.article.slug}/comments`, { comment: {} }, bob.tokens[0]),
      422,
    );
    await ok(api.delete(`/api/articles/${renamed.body.article.slug}`, token), 204);

    await runtime().events.settle();
    await runtime().workflows.idle();
    await recorder.settled();
    const ran = new Set(recorder.executions.map((execution) => execution.workflow));
    expect(workflows.map((workflow) => workflow.name).filter((name) => !ran.has(name))).toEqual([]);
  });

  it('finds the secrets a workflow that carries a password holds (the scan is not blind)', () => {
    const registrations = recorder.executions.filter((execution) => execution.workflow === 'register-user');
    const found = registrations.flatMap((execution) => secretsIn(execution, people));
    for (const person of people) {
      expect(found).toContainEqual(
        expect.objectContaining({ found: person.passwords[0], owner: person.username }),
      );
      expect(found).toContainEqual(
        expect.objectContaining({ found: person.emails[0], owner: person.username }),
      );
      expect(found).toContainEqual(
        expect.objectContaining({ found: person.tokens[0], owner: person.username }),
      );
    }
    expect(found).toContainEqual(expect.objectContaining({ found: 'passwordHash' }));
  });

  it('holds no password, hash, email or token in the data of a workflow whose logs carry it', () => {
    const logged = recorder.executions.filter(
      (execution) => !findWorkflow(execution.workflow).carriesSecrets,
    );
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.flatMap((execution) => secretsIn(execution, people))).toEqual([]);
  });

  it("holds no other user's secrets in a workflow that carries a password", () => {
    const secret = recorder.executions.filter((execution) => findWorkflow(execution.workflow).carriesSecrets);
    const foreign = secret.flatMap((execution) => {
      const caller = callerOf(execution, people);
      expect(caller).toBeDefined();
      return secretsIn(execution, people).filter(
        (finding) => finding.owner !== caller && finding.found !== 'passwordHash',
      );
    });
    expect(foreign).toEqual([]);
  });
});
