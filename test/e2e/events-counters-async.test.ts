/**
 * Counter-only writes start no article-events and an update still reindexes (counter-writes.ts),
 * --async-events.
 */
import { describe } from '@jest/globals';
import { counterWriteTests } from './counter-writes.ts';

describe('over HTTP, --async-events: writes answer first, events follow', () => counterWriteTests(true));
