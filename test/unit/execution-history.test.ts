/**
 * The execution viewer's store (local/execution-history.ts): what it keeps is redacted, it is
 * bounded, and failed executions outlive successful ones.
 */
import { describe, expect, it } from '@jest/globals';
import {
  ExecutionHistory,
  FAILED_EXECUTIONS,
  RECENT_EXECUTIONS,
  REDACTED,
  redact,
} from '../../local/execution-history.ts';

const HASH = `$2b$10$${'a'.repeat(53)}`;
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJ1c2VySWQiOiJ1In0.c2lnbmF0dXJl';

describe('redact', () => {
  it('replaces secrets by key, inside strings, and inside JSON held in strings', () => {
    expect(
      redact({
        body: { user: { email: 'a@example.com', password: 'hunter22' } },
        item: { passwordHash: { S: HASH }, username: { S: 'a' } },
        Authorization: `Token ${TOKEN}`,
        result: { token: TOKEN },
        cause: `hash ${HASH} and header Token ${TOKEN}`,
        output: JSON.stringify({ user: { token: TOKEN, username: 'a' } }),
      }),
    ).toEqual({
      body: { user: { email: 'a@example.com', password: REDACTED } },
      item: { passwordHash: REDACTED, username: { S: 'a' } },
      Authorization: REDACTED,
      result: { token: REDACTED },
      cause: `hash ${REDACTED} and header ${REDACTED}`,
      output: JSON.stringify({ user: { token: REDACTED, username: 'a' } }),
    });
  });
});

describe('ExecutionHistory', () => {
  it('redacts a value too long to keep whole before cutting it', () => {
    const history = new ExecutionHistory();
    const user = { password: 'hunter22', passwordHash: { S: HASH }, token: TOKEN, bio: 'x'.repeat(30_000) };
    const execution = history.begin({
      name: 'long',
      executionArn: 'arn',
      workflow: 'w',
      type: 'EXPRESS',
      input: { user, nested: JSON.stringify({ user: { password: 'hunter22' } }) },
    });
    const kept = JSON.stringify(execution.input);
    expect(kept).toContain('characters, cut');
    expect(kept).not.toMatch(/hunter22|\$2b\$|eyJ/);
  });

  const start = (history: ExecutionHistory, name: string) =>
    history.begin({
      name,
      executionArn: `arn:aws:states:us-east-1:000000000000:express:w:${name}`,
      workflow: 'w',
      type: 'EXPRESS',
      input: { body: { user: { password: 'hunter22' } } },
    });

  it('keeps the input redacted and recognises a stream batch by its records', () => {
    const history = new ExecutionHistory();
    expect(start(history, 'a').input).toEqual({ body: { user: { password: REDACTED } } });
    const batch = history.begin({
      name: 'b',
      executionArn: 'arn',
      workflow: 'article-events',
      type: 'STANDARD',
      input: [
        {
          eventName: 'INSERT',
          eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/Articles/stream/x',
          dynamodb: { Keys: { pk: { S: 'article#1' } } },
        },
      ],
    });
    expect(batch.trigger).toEqual({ kind: 'stream', table: 'Articles', records: ['INSERT article#1'] });
  });

  it('keeps the last executions, failed ones longer, failures first', () => {
    const history = new ExecutionHistory();
    history.end(start(history, 'failed-early'), { status: 'FAILED', error: 'Conflict', cause: '{}' });
    for (let index = 0; index < RECENT_EXECUTIONS; index++) {
      history.end(start(history, `ok-${index}`), { status: 'SUCCEEDED', output: '{}' });
    }
    expect(history.get('ok-0')).toBeDefined();
    expect(history.list()[0]?.name).toBe('failed-early');
    expect(history.list()).toHaveLength(RECENT_EXECUTIONS + 1);
    history.end(start(history, 'one-more'), { status: 'SUCCEEDED', output: '{}' });
    expect(history.get('ok-0')).toBeUndefined();
    expect(history.get('failed-early')).toBeDefined();
    for (let index = 0; index < FAILED_EXECUTIONS; index++) {
      history.end(start(history, `failed-${index}`), { status: 'FAILED', error: 'Conflict' });
    }
    expect(history.get('failed-early')).toBeUndefined();
    expect(
      history
        .list()
        .slice(0, FAILED_EXECUTIONS)
        .every((e) => e.status === 'FAILED'),
    ).toBe(true);
  });

  it('records states in order with their errors, retries and a catch', () => {
    const history = new ExecutionHistory();
    const execution = start(history, 'c');
    const state = { name: 'Save', type: 'Task', input: { password: 'x' } };
    history.record(execution, { type: 'StateEntered', timestamp: 1, state });
    history.record(execution, {
      type: 'StateFailed',
      timestamp: 2,
      state,
      Error: 'Throttled',
      Cause: 'slow',
    });
    history.record(execution, { type: 'StateRetried', timestamp: 3, state, retry: { attempt: 1 } });
    history.record(execution, { type: 'StateFailed', timestamp: 4, state, Error: 'Boom', Cause: 'bad' });
    history.record(execution, { type: 'StateCaught', timestamp: 5, state });
    expect(execution.states).toEqual([
      {
        name: 'Save',
        type: 'Task',
        enteredAt: 1,
        exitedAt: 4,
        input: { password: REDACTED },
        errors: [
          { error: 'Throttled', cause: 'slow', at: 2 },
          { error: 'Boom', cause: 'bad', at: 4 },
        ],
        retries: [{ attempt: 1, at: 3 }],
        caught: 'Boom',
      },
    ]);
  });
});
