/**
 * One configuration per process: the Lambda handlers keep what they read once, so a second local
 * runtime that needs another is refused (jest gives this file a process.env and module registry of
 * its own).
 */
import { describe, expect, it } from '@jest/globals';
import { configureHandlerEnvironment } from '../../local/handler-environment.ts';

describe('configureHandlerEnvironment', () => {
  const configuration = { dynamoDbEndpoint: 'http://127.0.0.1:8000', Users: 'a-users', keyDir: '/k' };

  it('sets the environment of the first runtime', () => {
    configureHandlerEnvironment(configuration, { USERS_TABLE: 'a-users', SECRETS: 'http://127.0.0.1:1' });
    expect(process.env.USERS_TABLE).toBe('a-users');
  });

  it('accepts a runtime started again with the same configuration, and its own addresses', () => {
    expect(() =>
      configureHandlerEnvironment(
        { ...configuration },
        { USERS_TABLE: 'a-users', SECRETS: 'http://127.0.0.1:2' },
      ),
    ).not.toThrow();
    expect(process.env.SECRETS).toBe('http://127.0.0.1:2');
  });

  it('refuses another configuration, naming what differs but not its values', () => {
    const other = { ...configuration, Users: 'b-users', keyDir: '/secret-dir' };
    const start = () => configureHandlerEnvironment(other, { USERS_TABLE: 'b-users' });
    expect(start).toThrow(
      /^A local runtime with another configuration \(Users, keyDir\) already ran in this process/,
    );
    expect(start).not.toThrow(/secret-dir|b-users/);
    expect(() =>
      configureHandlerEnvironment({ dynamoDbEndpoint: configuration.dynamoDbEndpoint }, {}),
    ).toThrow(/\(Users, keyDir\)/);
    expect(process.env.USERS_TABLE).toBe('a-users');
  });
});
