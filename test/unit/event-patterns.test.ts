/** The local Pipe filter: EventBridge pattern semantics on DynamoDB stream records. */
import { describe, expect, it } from '@jest/globals';
import { toSearchDocument } from '../../lambdas/shared/search/article-search.ts';
import { compileEventPattern, compileFilterCriteria } from '../../local/event-patterns.ts';
import { COUNTER_ONLY_CHANGES, eventSources } from '../../schemas/events.ts';
import { articleRecord as articleRecordOf } from '../support/articles.ts';

const record = (eventName: string, pk: string, extra: Record<string, unknown> = {}) => ({
  eventName,
  eventSource: 'aws:dynamodb',
  dynamodb: { Keys: { pk: { S: pk }, ...extra }, SizeBytes: 120 },
});

describe('compileEventPattern', () => {
  it('matches exact values as alternatives and fields as a conjunction', () => {
    const matches = compileEventPattern({ eventName: ['INSERT', 'REMOVE'], eventSource: ['aws:dynamodb'] });
    expect(matches(record('INSERT', 'a'))).toBe(true);
    expect(matches(record('REMOVE', 'a'))).toBe(true);
    expect(matches(record('MODIFY', 'a'))).toBe(false);
    expect(matches({ eventName: 'INSERT', eventSource: 'aws:kinesis' })).toBe(false);
  });

  it('descends into nested objects and treats a missing field as no match', () => {
    const matches = compileEventPattern({ dynamodb: { Keys: { pk: { S: [{ prefix: 'article#' }] } } } });
    expect(matches(record('INSERT', 'article#1'))).toBe(true);
    expect(matches(record('INSERT', 'slug#article#1'))).toBe(false);
    expect(matches({ eventName: 'INSERT' })).toBe(false);
    expect(matches({ dynamodb: { Keys: { pk: { N: '1' } } } })).toBe(false);
  });

  it('supports suffix, equals-ignore-case, anything-but, exists and numeric', () => {
    expect(compileEventPattern({ eventName: [{ suffix: 'ERT' }] })(record('INSERT', 'a'))).toBe(true);
    expect(
      compileEventPattern({ eventName: [{ 'equals-ignore-case': 'insert' }] })(record('INSERT', 'a')),
    ).toBe(true);
    const notRemove = compileEventPattern({ eventName: [{ 'anything-but': ['REMOVE', 'MODIFY'] }] });
    expect(notRemove(record('INSERT', 'a'))).toBe(true);
    expect(notRemove(record('REMOVE', 'a'))).toBe(false);
    expect(notRemove({})).toBe(false);
    const notFeed = compileEventPattern({
      dynamodb: { Keys: { pk: { S: [{ 'anything-but': { prefix: 'feed#' } }] } } },
    });
    expect(notFeed(record('INSERT', 'following#1'))).toBe(true);
    expect(notFeed(record('INSERT', 'feed#1'))).toBe(false);
    const withSortKey = compileEventPattern({ dynamodb: { Keys: { sk: [{ exists: true }] } } });
    expect(withSortKey(record('INSERT', 'a', { sk: { S: 'b' } }))).toBe(true);
    expect(withSortKey(record('INSERT', 'a'))).toBe(false);
    expect(
      compileEventPattern({ dynamodb: { Keys: { sk: [{ exists: false }] } } })(record('INSERT', 'a')),
    ).toBe(true);
    const small = compileEventPattern({ dynamodb: { SizeBytes: [{ numeric: ['>', 100, '<=', 120] }] } });
    expect(small(record('INSERT', 'a'))).toBe(true);
    expect(small({ dynamodb: { SizeBytes: 121 } })).toBe(false);
  });

  it('matches a record array field when any element matches', () => {
    expect(compileEventPattern({ tags: ['b'] })({ tags: ['a', 'b'] })).toBe(true);
    expect(compileEventPattern({ tags: ['c'] })({ tags: ['a', 'b'] })).toBe(false);
  });

  it('rejects operators and shapes it does not implement, when compiled', () => {
    expect(() => compileEventPattern({ eventName: [{ wildcard: 'IN*' }] })).toThrow(/wildcard/);
    expect(() => compileEventPattern({ eventName: 'INSERT' })).toThrow(/eventName/);
    expect(() => compileEventPattern({ eventName: [{ prefix: 'I', suffix: 'T' }] })).toThrow(
      /exactly one key/,
    );
  });
});

describe('compileFilterCriteria', () => {
  it('passes a record matching any pattern, and everything when there are none', () => {
    const passes = compileFilterCriteria([{ eventName: ['INSERT'] }, { eventName: ['REMOVE'] }]);
    expect(passes(record('INSERT', 'a'))).toBe(true);
    expect(passes(record('REMOVE', 'a'))).toBe(true);
    expect(passes(record('MODIFY', 'a'))).toBe(false);
    expect(compileFilterCriteria([])(record('MODIFY', 'a'))).toBe(true);
  });
});

describe('the filters of schemas/events.ts', () => {
  const passes = (workflow: string) => {
    const source = eventSources.find((candidate) => candidate.workflow === workflow);
    if (!source) throw new Error(`no event source for ${workflow}`);
    return compileFilterCriteria(source.filters);
  };
  const relationRecord = (eventName: string, pk: string) => record(eventName, pk, { sk: { S: 'x' } });

  /** A record of an article item as the stream carries it: REMOVE has no NewImage, INSERT no OldImage. */
  const articleRecord = (eventName: string, lastChange: { after?: string; before?: string } = {}) => {
    const image = (change?: string) => ({
      pk: { S: 'article#1' },
      title: { S: 'Hello' },
      ...(change ? { lastChange: { S: change } } : {}),
    });
    return {
      eventName,
      eventSource: 'aws:dynamodb',
      dynamodb: {
        Keys: { pk: { S: 'article#1' } },
        ...(eventName === 'REMOVE' ? {} : { NewImage: image(lastChange.after) }),
        ...(eventName === 'INSERT' ? {} : { OldImage: image(lastChange.before) }),
        SizeBytes: 120,
      },
    };
  };

  it('let an article record through when it is created or deleted, whatever its lastChange', () => {
    const article = passes('article-events');
    expect(article(articleRecord('INSERT', { after: 'content' }))).toBe(true);
    expect(article(articleRecord('INSERT'))).toBe(true);
    for (const before of [undefined, 'content', 'favoritesCount', 'commentSeq'])
      expect(article(articleRecord('REMOVE', { before }))).toBe(true);
    expect(article(record('INSERT', 'slug#hello'))).toBe(false);
    expect(article(record('REMOVE', 'slug#hello'))).toBe(false);
  });

  it('let a modified article through unless its write moved only a counter the index does not hold', () => {
    const article = passes('article-events');
    for (const before of [undefined, 'content', 'favoritesCount', 'commentSeq']) {
      expect(article(articleRecord('MODIFY', { before, after: 'content' }))).toBe(true);
      expect(article(articleRecord('MODIFY', { before, after: 'favoritesCount' }))).toBe(false);
      expect(article(articleRecord('MODIFY', { before, after: 'commentSeq' }))).toBe(false);
    }
    // Written before lastChange existed, or by a writer that does not know it: passes (a reindex too many).
    expect(article(articleRecord('MODIFY'))).toBe(true);
    expect(article(articleRecord('MODIFY', { after: 'title' }))).toBe(true);
    expect(COUNTER_ONLY_CHANGES).toEqual(['favoritesCount', 'commentSeq']);
  });

  it('name as counters only attributes that no search document holds', () => {
    const document = toSearchDocument(articleRecordOf('author', { tagList: ['a'] }));
    for (const counter of COUNTER_ONLY_CHANGES) expect(Object.keys(document)).not.toContain(counter);
  });

  it('let follows and unfollows through, and neither their mirrors, favorites, comments nor feed writes', () => {
    const relation = passes('relation-events');
    expect(relation(relationRecord('INSERT', 'following#1'))).toBe(true);
    expect(relation(relationRecord('REMOVE', 'following#1'))).toBe(true);
    expect(relation(relationRecord('MODIFY', 'following#1'))).toBe(false);
    for (const pk of ['followers#1', 'favorites#1', 'favorited#1', 'comments#1', 'feed#1']) {
      expect(relation(relationRecord('INSERT', pk))).toBe(false);
      expect(relation(relationRecord('REMOVE', pk))).toBe(false);
    }
  });
});
