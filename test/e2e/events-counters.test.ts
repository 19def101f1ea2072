/**
 * Counter-only writes start no article-events and an update still reindexes (counter-writes.ts),
 * events settled before each answer.
 */
import { describe } from '@jest/globals';
import { counterWriteTests } from './counter-writes.ts';

describe('over HTTP, events settled before each answer', () => counterWriteTests(false));
