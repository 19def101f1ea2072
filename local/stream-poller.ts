/**
 * The local stand-in for the EventBridge Pipes of schemas/events.ts: polls DynamoDB Local's
 * streams, drops the records the Pipe's filter criteria would drop, and starts each source's
 * STANDARD workflow with a batch shaped exactly as a Pipe delivers it (a JSON array of stream
 * records; FIRE_AND_FORGET, so the batches of a source run concurrently).
 *
 * Delivery is at least once, with durable progress (docs/local-runtime.md compares it with a Pipe):
 * - a batch is delivered when its execution and every execution started from it have succeeded
 *   (an in-process execution does not survive a crash, so starting it is not enough);
 * - a shard's checkpoint moves over a record once every batch holding it, and every record before
 *   it, is delivered or dead-lettered: a low watermark, as batches end in any order. Checkpoints
 *   live in `<eventsDir>/checkpoints.json`; a start resumes after them (a shard without one from
 *   its start), so what was read but not delivered before a stop or crash is delivered again;
 * - a failed batch is delivered again, as new executions, after each of `retryDelaysMs`, then
 *   dead-lettered to `<eventsDir>/dead-letters.jsonl`, from where `replayDeadLetters` retries it;
 * - while DynamoDB is unreachable, polling backs off and logs once when it goes and once when it
 *   comes back.
 *
 * It polls on an interval, as production lags; `settle()` is the read-your-writes mode: it
 * delivers everything already written and waits for the deliveries (including their retries, the
 * executions they start and the records those write), so a response sent afterwards reflects every
 * event its write caused.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  ResourceNotFoundException,
  type _Record as StreamRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { type EventSourceDefinition, eventSources } from '../schemas/events.ts';
import type { TableId } from '../schemas/tables.ts';
import { localAwsConfig } from './dynamodb-local.ts';
import { compileFilterCriteria } from './event-patterns.ts';
import type { ExecutionFailure, LocalWorkflows } from './workflows.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A stream record as an EventBridge Pipe hands it to its target. */
export interface PipeStreamRecord {
  readonly eventID: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventVersion: string;
  readonly eventSource: 'aws:dynamodb';
  readonly awsRegion: string;
  readonly dynamodb: {
    /** Epoch seconds, as the Pipe delivers it (the SDK gives a Date). */
    readonly ApproximateCreationDateTime?: number;
    readonly Keys: Json;
    readonly NewImage?: Json;
    readonly OldImage?: Json;
    readonly SequenceNumber: string;
    readonly SizeBytes: number;
    readonly StreamViewType: string;
  };
  readonly eventSourceARN: string;
}

/** A batch that kept failing, kept for the operator to look at and replay. */
export interface DeadLetter {
  readonly id: string;
  readonly workflow: string;
  /** The table whose stream the records come from. */
  readonly table: TableId;
  readonly records: readonly PipeStreamRecord[];
  /** The failed execution of the last attempt, and how it failed. */
  readonly execution: string;
  readonly error: string;
  readonly cause: string;
  readonly attempts: number;
  /** When it was dead-lettered (ISO 8601). */
  readonly time: string;
}

export interface StreamPollerOptions {
  readonly endpoint: string;
  readonly dynamoDb: DynamoDBClient;
  readonly tableNames: Record<TableId, string>;
  readonly workflows: LocalWorkflows;
  /** Milliseconds between two polls of the background loop. */
  readonly intervalMs: number;
  /** Directory of checkpoints.json and dead-letters.jsonl; without one they are kept in memory. */
  readonly eventsDir?: string;
  /** Waits before each new delivery of a failed batch; after the last, it is dead-lettered. */
  readonly retryDelaysMs?: readonly number[];
  readonly sources?: readonly EventSourceDefinition[];
  readonly log: (line: string) => void;
}

const PIPE_DEFAULT_BATCH_SIZE = 10;
/** A failed batch is attempted 4 times in about 7 s before it is dead-lettered. */
const DEFAULT_RETRY_DELAYS_MS = [1000, 2000, 4000];
/** Waits between failing polls: doubling from the first to the last. */
const POLL_BACKOFF_MS = { first: 100, last: 5000 };
/** Node's codes for a connection that could not be made or broke (the SDK may wrap the error in its message). */
const CONNECTION_ERROR = /\b(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|socket hang up)\b/i;

export const CHECKPOINTS_FILE = 'checkpoints.json';
export const DEAD_LETTERS_FILE = 'dead-letters.jsonl';

/** Last delivered sequence number by stream ARN, then shard id. */
type Checkpoints = Record<string, Record<string, string>>;

export function toPipeRecord(record: StreamRecord, streamArn: string): PipeStreamRecord {
  const change = record.dynamodb ?? {};
  const created = change.ApproximateCreationDateTime;
  return JSON.parse(
    JSON.stringify({
      eventID: record.eventID,
      eventName: record.eventName,
      eventVersion: record.eventVersion,
      eventSource: record.eventSource,
      awsRegion: record.awsRegion,
      dynamodb: {
        ApproximateCreationDateTime: created ? created.getTime() / 1000 : undefined,
        Keys: change.Keys,
        NewImage: change.NewImage,
        OldImage: change.OldImage,
        SequenceNumber: change.SequenceNumber,
        SizeBytes: change.SizeBytes,
        StreamViewType: change.StreamViewType,
      },
      eventSourceARN: streamArn,
    }),
  ) as PipeStreamRecord;
}

/** A record read from a shard, until the batches holding it are delivered or dead-lettered. */
interface ReadRecord {
  readonly sequence: string;
  batches: number;
}

interface Shard {
  readonly id: string;
  /** Closed (it has an ending sequence number): once read to its end, its children follow. */
  closed: boolean;
  /** Read to its end, or gone from the stream: not read any more. */
  finished: boolean;
  iterator?: string;
  /** The last record read: a new iterator continues after it, and a re-read skips up to it. */
  lastRead?: string;
  /** Records read and not checkpointed yet, in stream order. */
  readonly unsettled: ReadRecord[];
}

interface PendingRecord {
  readonly record: PipeStreamRecord;
  readonly read: ReadRecord;
  readonly shard: Shard;
}

interface Delivery {
  readonly source: EventSourceDefinition;
  readonly passes: (record: PipeStreamRecord) => boolean;
  /** Filtered records read and not yet handed to a batch (the pipes have no batching window). */
  pending: PendingRecord[];
}

interface TableStream {
  readonly table: TableId;
  readonly streamArn: string;
  /** Every shard of the stream, in the order DescribeStream lists them (parents first). */
  readonly shards: Map<string, Shard>;
  /** A shard was read to its end: its children are to be listed. */
  listChildren: boolean;
  readonly deliveries: Delivery[];
}

interface Batch {
  readonly id: string;
  readonly stream: TableStream;
  readonly source: EventSourceDefinition;
  readonly entries: readonly PendingRecord[];
}

/** What the poll loop keeps failing with, since when, and how long it waits before the next poll. */
interface PollTrouble {
  /** `unreachable`, or the message of another error. */
  kind: string;
  readonly since: number;
  waitMs: number;
}

/** ECONNREFUSED and the like, or undefined for an error that is not about the connection. */
const connectionError = (error: unknown): string | undefined => {
  const { code, message } = error as { code?: string; message?: string };
  return CONNECTION_ERROR.exec(`${code ?? ''} ${message ?? ''}`)?.[1];
};

async function readIfPresent(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Replaces a file in one step, so a crash leaves either the old or the new content. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

export class StreamPoller {
  private readonly streams: DynamoDBStreamsClient;
  private readonly retryDelaysMs: readonly number[];
  private tables: TableStream[] = [];
  private checkpoints: Checkpoints = {};
  private readonly letters = new Map<string, DeadLetter>();
  private readonly replaying = new Set<string>();
  /** Batches being delivered (with their retries). */
  private readonly running = new Set<Promise<void>>();
  /** Wakes the retry waits when the poller stops. */
  private readonly sleepers = new Set<() => void>();
  /** Polls run one at a time: the background loop and settle() share the shard iterators. */
  private turn: Promise<unknown> = Promise.resolve();
  /** File writes run one at a time, in order. */
  private writes: Promise<unknown> = Promise.resolve();
  private checkpointsDirty = false;
  private trouble: PollTrouble | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Stopped and flushed: nothing is written any more (a new poller may own the files). */
  private closed = false;

  private constructor(private readonly options: StreamPollerOptions) {
    // The poll loop retries with its own backoff: one attempt per call shows an outage at once.
    this.streams = new DynamoDBStreamsClient({
      ...localAwsConfig,
      endpoint: options.endpoint,
      maxAttempts: 1,
    });
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  }

  static async start(options: StreamPollerOptions): Promise<StreamPoller> {
    const poller = new StreamPoller(options);
    try {
      await poller.load();
      await poller.connect();
    } catch (error) {
      poller.streams.destroy();
      throw error;
    }
    poller.schedule(options.intervalMs);
    return poller;
  }

  private file(name: string): string | undefined {
    return this.options.eventsDir && join(this.options.eventsDir, name);
  }

  private async load(): Promise<void> {
    const dir = this.options.eventsDir;
    if (!dir) return;
    await mkdir(dir, { recursive: true });
    const checkpointsFile = join(dir, CHECKPOINTS_FILE);
    const checkpoints = await readIfPresent(checkpointsFile);
    if (checkpoints !== undefined) {
      try {
        this.checkpoints = JSON.parse(checkpoints) as Checkpoints;
      } catch (error) {
        throw new Error(
          `${checkpointsFile} is not valid JSON (${(error as Error).message}): delete it to deliver again everything the streams hold`,
        );
      }
    }
    const lines = (await readIfPresent(join(dir, DEAD_LETTERS_FILE))) ?? '';
    for (const line of lines.split('\n').filter((text) => text.trim())) {
      try {
        const letter = JSON.parse(line) as DeadLetter;
        this.letters.set(letter.id, letter);
      } catch {
        // Only a crash in the middle of an append leaves a partial line.
        this.options.log(`stream poller: skipped an unreadable line of ${DEAD_LETTERS_FILE}: ${line}`);
      }
    }
  }

  private async connect(): Promise<void> {
    const sources = this.options.sources ?? eventSources;
    const tableIds = [...new Set(sources.map((source) => source.table))];
    for (const table of tableIds) {
      const name = this.options.tableNames[table];
      const described = await this.options.dynamoDb.send(new DescribeTableCommand({ TableName: name }));
      const streamArn = described.Table?.LatestStreamArn;
      if (!streamArn) throw new Error(`table ${name} has no stream, but schemas/events.ts reads it`);
      // A table created again has a new stream: the old one's checkpoints mean nothing any more.
      for (const arn of Object.keys(this.checkpoints)) {
        if (arn !== streamArn && arn.includes(`:table/${name}/stream/`)) delete this.checkpoints[arn];
      }
      const stream: TableStream = {
        table,
        streamArn,
        shards: new Map(),
        listChildren: false,
        deliveries: sources
          .filter((source) => source.table === table)
          .map((source) => ({
            source,
            passes: compileFilterCriteria(source.filters),
            pending: [],
          })),
      };
      const listed = await this.discoverShards(stream);
      // Shards the stream no longer lists keep no checkpoint.
      const checkpoints = this.checkpoints[streamArn] ?? {};
      for (const shardId of Object.keys(checkpoints)) {
        if (!listed.has(shardId)) delete checkpoints[shardId];
      }
      this.tables.push(stream);
    }
    this.persistCheckpoints();
  }

  /**
   * Adds the shards not known yet (the children of a closed shard, read from their start as a Pipe
   * does; on the first call every shard, from its checkpoint) and notes which known ones closed.
   * Returns the ids of every shard the stream lists.
   */
  private async discoverShards(stream: TableStream): Promise<Set<string>> {
    const listed = new Set<string>();
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(
        new DescribeStreamCommand({
          StreamArn: stream.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
      );
      for (const described of StreamDescription?.Shards ?? []) {
        const id = described.ShardId ?? '';
        const closed = Boolean(described.SequenceNumberRange?.EndingSequenceNumber);
        listed.add(id);
        const known = stream.shards.get(id);
        if (known) known.closed = closed;
        else {
          const lastRead = this.checkpoints[stream.streamArn]?.[id];
          stream.shards.set(id, { id, closed, finished: false, lastRead, unsettled: [] });
        }
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return listed;
  }

  /** An iterator after the last record read, or at the shard's start; undefined if the shard is gone. */
  private async iteratorFor(
    stream: TableStream,
    shard: Shard,
    fromStart = shard.lastRead === undefined,
  ): Promise<string | undefined> {
    try {
      const { ShardIterator } = await this.streams.send(
        new GetShardIteratorCommand({
          StreamArn: stream.streamArn,
          ShardId: shard.id,
          ...(fromStart
            ? { ShardIteratorType: 'TRIM_HORIZON' }
            : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: shard.lastRead }),
        }),
      );
      return ShardIterator;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) {
        this.gone(stream, shard);
        return undefined;
      }
      if (!(error instanceof TrimmedDataAccessException) || fromStart) throw error;
      this.options.log(
        `stream poller: the records of ${stream.table} shard ${shard.id} after ${shard.lastRead} aged out of the stream before delivery`,
      );
      return this.iteratorFor(stream, shard, true);
    }
  }

  /**
   * Reads a shard up to its tip, handing each page to the deliveries as it comes. DynamoDB Local
   * answers TrimmedDataAccessException for an iterator taken while its shard was empty once the
   * shard has records: the shard is read again from its start, skipping what was already read. A
   * shard whose records all aged out (24 h) answers the same from its start: nothing to read.
   * (docs/local-runtime.md lists what was measured.)
   */
  private async readShard(stream: TableStream, shard: Shard): Promise<void> {
    let readFromStart = false;
    for (;;) {
      shard.iterator ??= await this.iteratorFor(stream, shard);
      if (!shard.iterator) return;
      let output: GetRecordsCommandOutput;
      try {
        output = await this.streams.send(new GetRecordsCommand({ ShardIterator: shard.iterator }));
      } catch (error) {
        // Whatever failed, the next read takes a new iterator after the last record read.
        shard.iterator = undefined;
        if (error instanceof ResourceNotFoundException) {
          this.gone(stream, shard);
          return;
        }
        if (!(error instanceof TrimmedDataAccessException)) throw error;
        if (readFromStart) {
          await this.discoverShards(stream);
          shard.finished = shard.closed;
          stream.listChildren ||= shard.finished;
          return;
        }
        readFromStart = true;
        shard.iterator = await this.iteratorFor(stream, shard, true);
        continue;
      }
      const { Records = [], NextShardIterator } = output;
      this.accept(stream, shard, Records);
      shard.iterator = NextShardIterator;
      if (!NextShardIterator) {
        shard.finished = true;
        stream.listChildren = true;
      }
      if (!NextShardIterator || Records.length === 0) return;
    }
  }

  /**
   * A shard that no longer exists (DynamoDB Local still lists a shard deleted 24 h after it
   * closed, but will not read it): nothing is left to read or to checkpoint.
   */
  private gone(stream: TableStream, shard: Shard): void {
    shard.finished = true;
    stream.listChildren = true;
    const checkpoints = this.checkpoints[stream.streamArn];
    if (checkpoints?.[shard.id] === undefined) return;
    delete checkpoints[shard.id];
    this.persistCheckpoints();
  }

  /** Hands new records to the deliveries whose filter they pass. */
  private accept(stream: TableStream, shard: Shard, records: readonly StreamRecord[]): void {
    for (const record of records) {
      const sequence = record.dynamodb?.SequenceNumber ?? '0';
      if (shard.lastRead !== undefined && BigInt(sequence) <= BigInt(shard.lastRead)) continue;
      shard.lastRead = sequence;
      const read: ReadRecord = { sequence, batches: 0 };
      shard.unsettled.push(read);
      const pipeRecord = toPipeRecord(record, stream.streamArn);
      for (const delivery of stream.deliveries) {
        if (!delivery.passes(pipeRecord)) continue;
        delivery.pending.push({ record: pipeRecord, read, shard });
        read.batches++;
      }
    }
    this.advance(stream, shard);
  }

  /** Moves the shard's checkpoint over the records whose batches, and all before, are done. */
  private advance(stream: TableStream, shard: Shard): void {
    let checkpoint: string | undefined;
    while (shard.unsettled[0]?.batches === 0) checkpoint = shard.unsettled.shift()?.sequence;
    if (checkpoint === undefined) return;
    this.checkpoints[stream.streamArn] ??= {};
    (this.checkpoints[stream.streamArn] as Record<string, string>)[shard.id] = checkpoint;
    this.persistCheckpoints();
  }

  /** Queues a write of the checkpoints; writes that pile up collapse into one. */
  private persistCheckpoints(): void {
    const file = this.file(CHECKPOINTS_FILE);
    if (!file || this.checkpointsDirty) return;
    this.checkpointsDirty = true;
    this.serialize(async () => {
      this.checkpointsDirty = false;
      await writeAtomically(file, `${JSON.stringify(this.checkpoints, null, 2)}\n`);
    });
  }

  private serialize(write: () => Promise<void>): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = this.writes.then(write);
    this.writes = done.catch((error: unknown) =>
      this.options.log(`stream poller: could not write ${this.options.eventsDir}: ${String(error)}`),
    );
    return done;
  }

  /** Starts the workflow for every batch of the records read; returns batches started. */
  private deliver(stream: TableStream, delivery: Delivery): number {
    const { source } = delivery;
    const batchSize = source.batchSize ?? PIPE_DEFAULT_BATCH_SIZE;
    let started = 0;
    while (delivery.pending.length > 0) {
      const entries = delivery.pending.splice(0, batchSize);
      const run = this.runBatch({ id: randomUUID(), stream, source, entries })
        .catch((error: unknown) =>
          this.options.log(`stream poller: delivery failed: ${(error as Error).stack ?? String(error)}`),
        )
        .finally(() => this.running.delete(run));
      this.running.add(run);
      started++;
    }
    return started;
  }

  /** The first failed execution of one delivery of the records, or undefined if all succeeded. */
  private async attempt(
    workflow: string,
    records: readonly PipeStreamRecord[],
  ): Promise<ExecutionFailure | undefined> {
    const { failures } = await this.options.workflows.startTree(workflow, records as unknown as Json);
    return failures[0];
  }

  /** Delivers a batch, again after each retry delay while it fails, then dead-letters it. */
  private async runBatch(batch: Batch): Promise<void> {
    const records = batch.entries.map((entry) => entry.record);
    for (let attempts = 1; ; attempts++) {
      const failure = await this.attempt(batch.source.workflow, records);
      // Stopped (or crashed): the records stay behind the checkpoint and come again next start.
      if (this.stopped) return;
      if (!failure) break;
      const delayMs = this.retryDelaysMs[attempts - 1];
      if (delayMs === undefined) {
        await this.deadLetter(batch, records, failure, attempts);
        if (this.stopped) return;
        break;
      }
      await this.sleep(delayMs);
      if (this.stopped) return;
    }
    for (const entry of batch.entries) entry.read.batches--;
    for (const shard of new Set(batch.entries.map((entry) => entry.shard))) this.advance(batch.stream, shard);
  }

  private async deadLetter(
    batch: Batch,
    records: readonly PipeStreamRecord[],
    failure: ExecutionFailure,
    attempts: number,
  ): Promise<void> {
    const letter: DeadLetter = {
      id: batch.id,
      workflow: batch.source.workflow,
      table: batch.stream.table,
      records,
      execution: failure.executionArn,
      error: failure.error,
      cause: failure.cause,
      attempts,
      time: new Date().toISOString(),
    };
    this.letters.set(letter.id, letter);
    // Written before the checkpoint moves over its records, so a crash cannot lose it.
    const file = this.file(DEAD_LETTERS_FILE);
    if (file) await this.serialize(() => appendFile(file, `${JSON.stringify(letter)}\n`));
    this.options.log(
      `stream poller: dead letter ${letter.id}: ${letter.workflow} failed ${attempts} times on ${records.length} ${letter.table} record(s) (${failure.error}: ${failure.cause})${file ? `; kept in ${file}` : ''}`,
    );
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private async listChildrenIfDue(stream: TableStream): Promise<void> {
    if (!stream.listChildren) return;
    await this.discoverShards(stream);
    stream.listChildren = false;
  }

  private async pollOnce(): Promise<number> {
    if (this.stopped) return 0;
    let started = 0;
    for (const stream of this.tables) {
      try {
        // Children of a shard read to its end are listed at once and read in the same pass (a
        // Map iteration visits what is added during it).
        await this.listChildrenIfDue(stream);
        for (const shard of stream.shards.values()) {
          if (shard.finished) continue;
          await this.readShard(stream, shard);
          await this.listChildrenIfDue(stream);
        }
      } finally {
        // What was read before a failure is delivered all the same.
        for (const delivery of stream.deliveries) started += this.deliver(stream, delivery);
      }
    }
    return started;
  }

  private poll(): Promise<number> {
    const run = this.turn.then(() => this.pollOnce());
    this.turn = run.catch(() => undefined);
    return run;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      let nextMs = this.options.intervalMs;
      try {
        await this.poll();
        this.pollSucceeded();
      } catch (error) {
        nextMs = this.pollFailed(error);
      }
      this.schedule(nextMs);
    }, delayMs);
  }

  /** Logs a new kind of failure (not each repetition) and returns the wait before the next poll. */
  private pollFailed(error: unknown): number {
    const connection = connectionError(error);
    const kind = connection ? 'unreachable' : String((error as Error).message);
    if (this.trouble?.kind !== kind) {
      const what = connection
        ? `DynamoDB streams unreachable (${connection})`
        : `polling failed: ${(error as Error).stack ?? String(error)}`;
      this.options.log(
        `stream poller: ${what}; polling again with backoff up to ${POLL_BACKOFF_MS.last / 1000} s`,
      );
    }
    if (this.trouble) {
      this.trouble.kind = kind;
      this.trouble.waitMs = Math.min(this.trouble.waitMs * 2, POLL_BACKOFF_MS.last);
    } else this.trouble = { kind, since: Date.now(), waitMs: POLL_BACKOFF_MS.first };
    return this.trouble.waitMs;
  }

  private pollSucceeded(): void {
    if (!this.trouble) return;
    const seconds = ((Date.now() - this.trouble.since) / 1000).toFixed(1);
    this.options.log(`stream poller: polling works again, after ${seconds} s`);
    this.trouble = undefined;
  }

  /**
   * Delivers every record written so far and waits until those deliveries have ended (retries and
   * dead letters included), then again for what their executions wrote, until a poll finds
   * nothing more to deliver; then until the checkpoints are written.
   */
  async settle(): Promise<void> {
    for (;;) {
      const started = await this.poll();
      while (this.running.size) await Promise.allSettled([...this.running]);
      await this.options.workflows.idle();
      if (started === 0 && (await this.poll()) === 0 && this.running.size === 0) break;
    }
    // Settled means durable too: the checkpoints reached the file.
    await this.writes;
  }

  /** The batches that kept failing, oldest first. */
  deadLetters(): readonly DeadLetter[] {
    return [...this.letters.values()];
  }

  /**
   * Delivers dead-lettered batches again (all, or those with the given ids), once each, and waits
   * for them; those that succeed leave the list. Returns how many succeeded.
   */
  async replayDeadLetters(ids?: readonly string[]): Promise<number> {
    const chosen = [...this.letters.values()].filter(
      (letter) => (!ids || ids.includes(letter.id)) && !this.replaying.has(letter.id),
    );
    const outcomes = await Promise.all(
      chosen.map(async (letter) => {
        this.replaying.add(letter.id);
        try {
          const failure = await this.attempt(letter.workflow, letter.records);
          if (!failure) {
            this.letters.delete(letter.id);
            this.options.log(`stream poller: dead letter ${letter.id} replayed: delivered`);
            return true;
          }
          this.letters.set(letter.id, {
            ...letter,
            execution: failure.executionArn,
            error: failure.error,
            cause: failure.cause,
            attempts: letter.attempts + 1,
          });
          this.options.log(
            `stream poller: dead letter ${letter.id} replayed: failed again (${failure.error}: ${failure.cause})`,
          );
          return false;
        } finally {
          this.replaying.delete(letter.id);
        }
      }),
    );
    const file = this.file(DEAD_LETTERS_FILE);
    if (file && chosen.length) {
      await this.serialize(() =>
        writeAtomically(
          file,
          [...this.letters.values()].map((letter) => `${JSON.stringify(letter)}\n`).join(''),
        ),
      );
    }
    return outcomes.filter(Boolean).length;
  }

  /**
   * Stops polling, as a crash would: batches still running are not checkpointed (the next start
   * delivers them again), and their executions are left to end on their own.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const wake of [...this.sleepers]) wake();
    await this.turn;
    await this.writes;
    this.closed = true;
    this.streams.destroy();
  }
}
