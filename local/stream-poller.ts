/**
 * The local stand-in for the EventBridge Pipes of schemas/events.ts: polls DynamoDB Local's
 * streams, drops the records the Pipe's filter criteria would drop, and starts each source's
 * STANDARD workflow with a batch shaped exactly as a Pipe delivers it (a JSON array of stream
 * records, FIRE_AND_FORGET).
 *
 * It polls on an interval, as production lags; `settle()` is the read-your-writes mode: it
 * delivers everything already written and waits for the executions that follows from it
 * (including executions they start and the records those write), so a response sent afterwards
 * reflects every event its write caused.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import { type EventSourceDefinition, eventSources } from '../schemas/events.ts';
import type { TableId } from '../schemas/tables.ts';
import { localAwsConfig } from './dynamodb-local.ts';
import { compileFilterCriteria } from './event-patterns.ts';
import type { LocalWorkflows } from './workflows.ts';

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

export interface StreamPollerOptions {
  readonly endpoint: string;
  readonly dynamoDb: DynamoDBClient;
  readonly tableNames: Record<TableId, string>;
  readonly workflows: LocalWorkflows;
  /** Milliseconds between two polls of the background loop. */
  readonly intervalMs: number;
  readonly sources?: readonly EventSourceDefinition[];
  readonly log: (line: string) => void;
}

const PIPE_DEFAULT_BATCH_SIZE = 10;

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

interface Delivery {
  readonly source: EventSourceDefinition;
  readonly passes: (record: PipeStreamRecord) => boolean;
  /** Filtered records waiting for a full batch or the end of the batching window. */
  pending: PipeStreamRecord[];
  firstPendingAt: number;
}

interface ShardPosition {
  iterator: string;
  /** The last record read; reading again after a trimmed iterator skips up to it. */
  lastSequence?: bigint;
}

interface TableStream {
  readonly table: TableId;
  readonly streamArn: string;
  /** Open shards and where reading continues; a closed, drained shard is removed. */
  readonly shards: Map<string, ShardPosition>;
  /** Shards already seen (so a shard that closed is not read again). */
  readonly seen: Set<string>;
  readonly deliveries: Delivery[];
}

export class StreamPoller {
  private readonly streams: DynamoDBStreamsClient;
  private tables: TableStream[] = [];
  /** Polls run one at a time: the background loop and settle() share the shard iterators. */
  private turn: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(private readonly options: StreamPollerOptions) {
    this.streams = new DynamoDBStreamsClient({ ...localAwsConfig, endpoint: options.endpoint });
  }

  static async start(options: StreamPollerOptions): Promise<StreamPoller> {
    const poller = new StreamPoller(options);
    await poller.connect();
    poller.schedule();
    return poller;
  }

  private async connect(): Promise<void> {
    const sources = this.options.sources ?? eventSources;
    const tableIds = [...new Set(sources.map((source) => source.table))];
    for (const table of tableIds) {
      const name = this.options.tableNames[table];
      const described = await this.options.dynamoDb.send(new DescribeTableCommand({ TableName: name }));
      const streamArn = described.Table?.LatestStreamArn;
      if (!streamArn) throw new Error(`table ${name} has no stream, but schemas/events.ts reads it`);
      const stream: TableStream = {
        table,
        streamArn,
        shards: new Map(),
        seen: new Set(),
        deliveries: sources
          .filter((source) => source.table === table)
          .map((source) => ({
            source,
            passes: compileFilterCriteria(source.filters),
            pending: [],
            firstPendingAt: 0,
          })),
      };
      await this.discoverShards(stream);
      // Start at the tip: what a persistent data dir's stream still holds was handled by the
      // previous run. (Reading up to it rather than asking for LATEST: see read().)
      await this.read(stream);
      this.tables.push(stream);
    }
  }

  private async iteratorAt(stream: TableStream, shardId: string): Promise<string | undefined> {
    const { ShardIterator } = await this.streams.send(
      new GetShardIteratorCommand({
        StreamArn: stream.streamArn,
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    return ShardIterator;
  }

  /** Adds the shards not seen yet, read from their start (children of a closed shard, as a Pipe does). */
  private async discoverShards(stream: TableStream): Promise<void> {
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.streams.send(
        new DescribeStreamCommand({
          StreamArn: stream.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
      );
      for (const shard of StreamDescription?.Shards ?? []) {
        const shardId = shard.ShardId ?? '';
        if (stream.seen.has(shardId)) continue;
        stream.seen.add(shardId);
        const iterator = await this.iteratorAt(stream, shardId);
        if (iterator) stream.shards.set(shardId, { iterator });
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
  }

  /**
   * Reads every shard up to its tip; returns the records read. DynamoDB Local answers
   * TrimmedDataAccessException for an iterator taken while its shard was empty once any table has
   * been written (its sequence numbers are global): the shard is then read again from its start,
   * skipping what was already read.
   */
  private async read(stream: TableStream): Promise<PipeStreamRecord[]> {
    const read: PipeStreamRecord[] = [];
    let shardClosed = false;
    for (const [shardId, position] of stream.shards) {
      let iterator: string | undefined = position.iterator;
      while (iterator) {
        let output: GetRecordsCommandOutput;
        try {
          output = await this.streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
        } catch (error) {
          if (!(error instanceof TrimmedDataAccessException)) throw error;
          iterator = await this.iteratorAt(stream, shardId);
          continue;
        }
        const { Records = [], NextShardIterator } = output;
        for (const record of Records) {
          const sequence = BigInt(record.dynamodb?.SequenceNumber ?? '0');
          if (position.lastSequence !== undefined && sequence <= position.lastSequence) continue;
          position.lastSequence = sequence;
          read.push(toPipeRecord(record, stream.streamArn));
        }
        iterator = NextShardIterator;
        if (Records.length === 0) break;
      }
      if (iterator) {
        position.iterator = iterator;
      } else {
        stream.shards.delete(shardId);
        shardClosed = true;
      }
    }
    if (shardClosed) await this.discoverShards(stream);
    return read;
  }

  /** Starts the workflow for every full batch (every batch, when `force`); returns executions started. */
  private deliver(delivery: Delivery, force: boolean): number {
    const { source } = delivery;
    const batchSize = source.batchSize ?? PIPE_DEFAULT_BATCH_SIZE;
    const windowMs = (source.maximumBatchingWindowSeconds ?? 0) * 1000;
    let started = 0;
    while (
      delivery.pending.length >= batchSize ||
      (delivery.pending.length > 0 && (force || Date.now() - delivery.firstPendingAt >= windowMs))
    ) {
      const batch = delivery.pending.splice(0, batchSize);
      delivery.firstPendingAt = Date.now();
      this.options.workflows.start(source.workflow, batch as unknown as Json);
      started++;
    }
    return started;
  }

  private async pollOnce(force: boolean): Promise<number> {
    let started = 0;
    for (const stream of this.tables) {
      const records = await this.read(stream);
      for (const delivery of stream.deliveries) {
        const passing = records.filter(delivery.passes);
        if (passing.length && delivery.pending.length === 0) delivery.firstPendingAt = Date.now();
        delivery.pending.push(...passing);
        started += this.deliver(delivery, force);
      }
    }
    return started;
  }

  private poll(force: boolean): Promise<number> {
    const run = this.turn.then(() => this.pollOnce(force));
    this.turn = run.catch(() => undefined);
    return run;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.poll(false)
        .catch((error: unknown) =>
          this.options.log(`stream poller: ${(error as Error).stack ?? String(error)}`),
        )
        .finally(() => this.schedule());
    }, this.options.intervalMs);
  }

  /**
   * Delivers every record written so far and waits until the executions it started have ended,
   * then again for what those wrote, until a poll finds nothing more to deliver.
   */
  async settle(): Promise<void> {
    for (;;) {
      const started = await this.poll(true);
      await this.options.workflows.idle();
      if (started === 0 && (await this.poll(true)) === 0) return;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.turn;
    this.streams.destroy();
  }
}
