/**
 * The stream poller's delivery guarantees, against DynamoDB Local and real executions of a
 * test-only workflow registry whose Lambda tasks record, fail or hold their batch: a batch whose
 * execution tree fails (a child execution, here) is delivered again; one that keeps failing is
 * dead-lettered, the shard goes on, and the dead letter replays; a poller stopped in the middle
 * leaves durable checkpoints, and a new one on the same tables and events directory delivers again
 * what was not finished and nothing that was; polling backs off while DynamoDB is unreachable and
 * says so once. The last part runs the real runtime across a restart.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from '@jest/globals';
import { partitionOf } from '../../lambdas/shared/keys.ts';
import { createLocalAdmin } from '../../local/admin.ts';
import { localAwsConfig } from '../../local/dynamodb-local.ts';
import { ExecutionHistory } from '../../local/execution-history.ts';
import { FaultInjector } from '../../local/faults.ts';
import type { LocalLambdas } from '../../local/lambdas.ts';
import {
  CHECKPOINTS_FILE,
  DEAD_LETTERS_FILE,
  type PipeStreamRecord,
  StreamPoller,
} from '../../local/stream-poller.ts';
import { createTables, localTableNames, type TableNames } from '../../local/tables.ts';
import { LocalWorkflows } from '../../local/workflows.ts';
import type { WorkflowDefinition } from '../../schemas/workflows.ts';
import { eventTables, feedEntry, minute } from '../support/events.ts';
import { startTestRuntime } from '../support/runtime.ts';

const endpoint = (): string => {
  const value = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!value) throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run the tests with `npm test`');
  return value;
};

/**
 * probe-events records its batch (Lambda task "Record") and hands it to a probe-child execution,
 * whose Lambda task "Check" may fail: the batch's tree then fails although its root succeeded.
 */
const registry: WorkflowDefinition[] = [
  { name: 'probe-events', type: 'STANDARD', carriesSecrets: false },
  { name: 'probe-child', type: 'STANDARD', carriesSecrets: false },
];
const definitions: Record<string, object> = {
  'state-machines/standard/probe-events.asl.json': {
    StartAt: 'Record',
    States: {
      Record: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'record-batch', 'Payload.$': '$' },
        ResultPath: null,
        Next: 'StartChild',
      },
      StartChild: {
        Type: 'Task',
        Resource: 'arn:aws:states:::states:startExecution',
        Parameters: {
          StateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:probe-child',
          'Input.$': '$',
        },
        End: true,
      },
    },
  },
  'state-machines/standard/probe-child.asl.json': {
    StartAt: 'Check',
    States: {
      Check: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'check-batch', 'Payload.$': '$' },
        End: true,
      },
    },
  },
};

class ProbeFailure extends Error {
  override name = 'ProbeFailure';
}

/**
 * What the probe's Lambda tasks do with the records of a table (by partition key): `fail-N#…`
 * fails the first N deliveries, `fail#…` every one until healed, `hold#…` waits until released.
 */
function probeBehaviour() {
  const delivered: string[][] = [];
  const checks = new Map<string, number>();
  let healed = false;
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const keysOf = (payload: unknown) =>
    (payload as PipeStreamRecord[]).map((record) => (record.dynamodb.Keys as { pk: { S: string } }).pk.S);
  const lambdas = {
    has: () => true,
    invoke: async (name: string, payload: unknown) => {
      const keys = keysOf(payload);
      if (name === 'record-batch') {
        delivered.push(keys);
        if (keys.some((key) => key.startsWith('hold#'))) await released;
        return {};
      }
      for (const key of keys) {
        const count = (checks.get(key) ?? 0) + 1;
        checks.set(key, count);
        const failFirst = /^fail-(\d+)#/.exec(key);
        if ((failFirst && count <= Number(failFirst[1])) || (key.startsWith('fail#') && !healed)) {
          throw new ProbeFailure(`check ${count} of ${key} fails`);
        }
      }
      return {};
    },
  } as unknown as LocalLambdas;
  return {
    lambdas,
    /** The keys of each delivered batch, in the order the deliveries started. */
    delivered,
    /** How often a key was delivered. */
    deliveries: (key: string) => delivered.filter((keys) => keys.includes(key)).length,
    /** How often the child execution checked a key (it runs after the root recorded the batch). */
    checked: (key: string) => checks.get(key) ?? 0,
    heal: () => {
      healed = true;
    },
    release,
  };
}

const client = new DynamoDBClient({ ...localAwsConfig, endpoint: endpoint() });
const db = DynamoDBDocumentClient.from(client);
afterAll(() => client.destroy());

/** Fresh tables (so a fresh Articles stream) in the shared DynamoDB Local. */
async function freshTables(): Promise<TableNames> {
  const names = localTableNames(`p${randomUUID().slice(0, 8)}-`);
  await createTables(client, names);
  return names;
}

const write = (names: TableNames, pk: string) =>
  db.send(new PutCommand({ TableName: names.Articles, Item: { pk } }));

async function startPoller(
  names: TableNames,
  behaviour: ReturnType<typeof probeBehaviour>,
  options: { eventsDir?: string; batchSize?: number; intervalMs?: number; endpoint?: string } = {},
) {
  const logLines: string[] = [];
  const workflows = new LocalWorkflows(
    { dynamoDb: client, tableNames: names, lambdas: behaviour.lambdas },
    registry,
    (file) => JSON.stringify(definitions[file]),
  );
  const poller = await StreamPoller.start({
    endpoint: options.endpoint ?? endpoint(),
    dynamoDb: client,
    tableNames: names,
    workflows,
    // Only settle() polls unless a test wants the background loop.
    intervalMs: options.intervalMs ?? 3_600_000,
    eventsDir: options.eventsDir,
    retryDelaysMs: [20, 40, 80],
    sources: [
      { workflow: 'probe-events', table: 'Articles', filters: [], batchSize: options.batchSize ?? 2 },
    ],
    log: (line) => logLines.push(line),
  });
  return { poller, workflows, logLines };
}

const eventsDir = () => join(mkdtempSync(join(tmpdir(), 'conduit-events-')), 'events');
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const readDeadLetters = (dir: string) =>
  readFileSync(join(dir, DEAD_LETTERS_FILE), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
const streamArnOf = async (names: TableNames) =>
  (await client.send(new DescribeTableCommand({ TableName: names.Articles }))).Table?.LatestStreamArn ?? '';

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a failing batch', () => {
  it('is delivered again, whole and as new executions, until its child execution succeeds', async () => {
    const names = await freshTables();
    const probe = probeBehaviour();
    const { poller, workflows, logLines } = await startPoller(names, probe);
    const starts: string[] = [];
    const start = workflows.start.bind(workflows);
    workflows.start = (workflow, input, ...rest) => {
      const arn = start(workflow, input, ...rest);
      starts.push(arn);
      return arn;
    };
    try {
      await write(names, 'fail-2#a');
      await write(names, 'ok#b');
      await poller.settle();
      expect(probe.delivered).toEqual([
        ['fail-2#a', 'ok#b'],
        ['fail-2#a', 'ok#b'],
        ['fail-2#a', 'ok#b'],
      ]);
      expect(probe.checked('ok#b')).toBe(1);
      expect(new Set(starts).size).toBe(6);
      expect(poller.deadLetters()).toEqual([]);
      expect(logLines).toEqual([]);
    } finally {
      await poller.stop();
    }
  });

  it('is dead-lettered after its last retry, without holding up the shard, and replays', async () => {
    const names = await freshTables();
    const dir = eventsDir();
    const probe = probeBehaviour();
    const { poller, logLines } = await startPoller(names, probe, { eventsDir: dir });
    // The operator's routes (local/admin.ts) over real HTTP.
    const admin = createLocalAdmin({
      dynamoDbEndpoint: endpoint(),
      tableNames: names,
      search: () => Promise.reject(new Error('not used')),
      events: poller,
      faults: new FaultInjector(),
      workflows: {
        handledErrors: () => ({ byClause: new Map(), recent: [] }),
        executions: new ExecutionHistory(),
      },
    });
    const server = createHttpServer(async (request, response) => {
      const reply = await admin(request, new URL(request.url ?? '/', 'http://localhost'));
      response.writeHead(reply?.statusCode ?? 404, { 'Content-Type': 'application/json' }).end(reply?.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const adminUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/_local/events/dead-letters`;
    try {
      await write(names, 'fail#c');
      await poller.settle();
      expect(probe.deliveries('fail#c')).toBe(4);
      const [letter, ...others] = poller.deadLetters();
      expect(others).toEqual([]);
      expect(letter).toEqual({
        id: expect.any(String),
        workflow: 'probe-events',
        table: 'Articles',
        records: [expect.objectContaining({ eventName: 'INSERT', dynamodb: expect.anything() })],
        execution: expect.stringMatching(/:execution:probe-child:/),
        error: 'ProbeFailure',
        cause: expect.stringContaining('check 4 of fail#c fails'),
        attempts: 4,
        time: expect.any(String),
      });
      expect(readDeadLetters(dir)).toEqual([letter]);
      expect(await (await fetch(adminUrl)).json()).toEqual({ deadLetters: [letter] });
      expect(logLines.filter((line) => line.includes(`dead letter ${letter?.id}`))).toHaveLength(1);
      // Dead-lettered counts as done: the checkpoint moved over it.
      const shardCheckpoints = readJson(join(dir, CHECKPOINTS_FILE))[await streamArnOf(names)];
      expect(Object.values(shardCheckpoints)).toEqual([letter?.records[0]?.dynamodb.SequenceNumber]);

      await write(names, 'ok#d');
      await poller.settle();
      expect(probe.deliveries('ok#d')).toBe(1);

      expect(await poller.replayDeadLetters([letter?.id ?? ''])).toBe(0);
      expect(poller.deadLetters()).toEqual([expect.objectContaining({ id: letter?.id, attempts: 5 })]);
      expect(readDeadLetters(dir)).toEqual(poller.deadLetters());

      probe.heal();
      const replay = await fetch(`${adminUrl}/replay`, { method: 'POST' });
      expect(await replay.json()).toEqual({ replayed: 1, remaining: 0 });
      expect(probe.deliveries('fail#c')).toBe(6);
      expect(poller.deadLetters()).toEqual([]);
      expect(readDeadLetters(dir)).toEqual([]);
    } finally {
      server.close();
      await poller.stop();
    }
  });
});

describe('progress across a stop', () => {
  it('a new poller on the same tables and events directory delivers what the stopped one had not finished, and nothing it had', async () => {
    const names = await freshTables();
    const dir = eventsDir();
    const streamArn = await streamArnOf(names);
    // Written before any poller ran: with no checkpoint file, delivery starts at the stream's start.
    await write(names, 'ok#1');
    const first = probeBehaviour();
    const crashed = await startPoller(names, first, { eventsDir: dir, batchSize: 1 });
    await crashed.poller.settle();
    expect(first.delivered).toEqual([['ok#1']]);
    const afterFirst = readJson(join(dir, CHECKPOINTS_FILE))[streamArn];

    // hold#2 never finishes; ok#3, read after it, finishes but cannot be checkpointed past hold#2.
    await write(names, 'hold#2');
    await write(names, 'ok#3');
    void crashed.poller.settle();
    await until(() => first.checked('ok#3') === 1 && first.deliveries('hold#2') === 1);
    await write(names, 'ok#4');
    await crashed.poller.stop();
    expect(readJson(join(dir, CHECKPOINTS_FILE))[streamArn]).toEqual(afterFirst);

    const second = probeBehaviour();
    const restarted = await startPoller(names, second, { eventsDir: dir, batchSize: 1 });
    second.release();
    try {
      await restarted.poller.settle();
      expect(second.delivered.flat().sort()).toEqual(['hold#2', 'ok#3', 'ok#4']);
      const checkpoints = readJson(join(dir, CHECKPOINTS_FILE))[streamArn];
      // The stopped poller's held execution ending now changes nothing.
      first.release();
      await crashed.workflows.idle();
      expect(readJson(join(dir, CHECKPOINTS_FILE))[streamArn]).toEqual(checkpoints);
      expect(Object.values(checkpoints)).not.toEqual(Object.values(afterFirst));

      // Everything delivered is checkpointed: a third poller finds nothing to deliver.
      const third = probeBehaviour();
      const again = await startPoller(names, third, { eventsDir: dir });
      await again.poller.settle();
      await again.poller.stop();
      expect(third.delivered).toEqual([]);
    } finally {
      await restarted.poller.stop();
    }
  });

  it('drops the checkpoints of shards and streams that no longer exist', async () => {
    const names = await freshTables();
    const dir = eventsDir();
    const streamArn = await streamArnOf(names);
    const gone = streamArn.replace(/stream\/.*$/, 'stream/2020-01-01T00:00:00.000');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, CHECKPOINTS_FILE),
      JSON.stringify({
        [streamArn]: { 'shardId-00000001000000000000-deadbeef': '000000000000000000007' },
        [gone]: { 'shardId-00000001000000000000-feedbeef': '000000000000000000003' },
        'arn:aws:dynamodb:ddblocal:000000000000:table/other/stream/2020-01-01T00:00:00.000': { s: '1' },
      }),
    );
    await write(names, 'ok#e');
    const probe = probeBehaviour();
    const { poller } = await startPoller(names, probe, { eventsDir: dir });
    try {
      await poller.settle();
      expect(probe.delivered).toEqual([['ok#e']]);
      const checkpoints = readJson(join(dir, CHECKPOINTS_FILE));
      expect(Object.keys(checkpoints).sort()).toEqual(
        [
          streamArn,
          'arn:aws:dynamodb:ddblocal:000000000000:table/other/stream/2020-01-01T00:00:00.000',
        ].sort(),
      );
      expect(Object.keys(checkpoints[streamArn])).not.toContain('shardId-00000001000000000000-deadbeef');
    } finally {
      await poller.stop();
    }
  });
});

/** A TCP proxy to DynamoDB Local that can refuse connections or accept and drop them. */
async function unreliableProxy(target: string) {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };
  let dropping = false;
  let accepted = 0;
  const server: Server = createServer((incoming) => {
    accepted++;
    track(incoming);
    if (dropping) {
      incoming.destroy();
      return;
    }
    const upstream = tcpConnect(Number(port), hostname);
    track(upstream);
    incoming.pipe(upstream).pipe(incoming);
  });
  const listen = (onPort = 0) =>
    new Promise<number>((resolve) =>
      server.listen(onPort, '127.0.0.1', () => resolve(server.address() as never)),
    );
  await listen();
  const proxyPort = (server.address() as { port: number }).port;
  const cutConnections = () => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    endpoint: `http://127.0.0.1:${proxyPort}`,
    accepted: () => accepted,
    /** Stops listening: connections are refused (ECONNREFUSED). */
    refuse: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        cutConnections();
      });
    },
    /** Listens again, dropping every connection it accepts (socket hang up). */
    drop: async () => {
      dropping = true;
      await listen(proxyPort);
    },
    pass: () => {
      dropping = false;
    },
    close: async () => {
      cutConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('while DynamoDB is unreachable', () => {
  it('the poller backs off, logs once when it goes and once when it is back, and then delivers', async () => {
    const names = await freshTables();
    const proxy = await unreliableProxy(endpoint());
    const probe = probeBehaviour();
    const { poller, logLines } = await startPoller(names, probe, {
      endpoint: proxy.endpoint,
      intervalMs: 50,
    });
    try {
      await write(names, 'ok#before');
      await until(() => probe.deliveries('ok#before') === 1);

      await proxy.refuse();
      await write(names, 'ok#during');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await proxy.drop();
      const acceptedBefore = proxy.accepted();
      await new Promise((resolve) => setTimeout(resolve, 2000));
      // Polling every 50 ms would have tried 40 times; backing off, the waits have grown past 800 ms.
      expect(proxy.accepted() - acceptedBefore).toBeLessThanOrEqual(3);
      proxy.pass();

      await until(() => probe.deliveries('ok#during') === 1, 8000);
      expect(logLines).toEqual([
        expect.stringMatching(
          /^stream poller: DynamoDB streams unreachable \(ECONNREFUSED\); polling again with backoff up to 5 s$/,
        ),
        expect.stringMatching(/^stream poller: polling works again, after \d+\.\d s$/),
      ]);
    } finally {
      await poller.stop();
      await proxy.close();
    }
  }, 20_000);
});

describe('the runtime across a restart', () => {
  it('keeps its checkpoints in the events directory and, restarted on the same tables, delivers what was written while it was down', async () => {
    const dir = eventsDir();
    const tablePrefix = `r${randomUUID().slice(0, 8)}-`;
    const first = await startTestRuntime({ tablePrefix, eventsDir: dir });
    const tables = eventTables(first);
    const [author, reader] = [randomUUID(), randomUUID()];
    const articlesStream = async () =>
      readJson(join(dir, CHECKPOINTS_FILE))[
        (await client.send(new DescribeTableCommand({ TableName: first.tableNames.Articles }))).Table
          ?.LatestStreamArn ?? ''
      ];
    let before: Awaited<ReturnType<typeof tables.putArticle>>;
    try {
      await tables.follow(reader, author);
      before = await tables.putArticle(author, minute(1));
      await first.events.settle();
      expect(await tables.partition(partitionOf.feed(reader))).toEqual([feedEntry(reader, before)]);
    } finally {
      await first.stop();
    }
    const checkpointed = Object.values(await articlesStream());
    expect(checkpointed).toHaveLength(1);

    const during = await tables.putArticle(author, minute(2));
    const second = await startTestRuntime({ tablePrefix, eventsDir: dir });
    try {
      await second.events.settle();
      expect(await tables.partition(partitionOf.feed(reader))).toEqual([
        feedEntry(reader, before),
        feedEntry(reader, during),
      ]);
      const [sequence] = Object.values(await articlesStream()) as string[];
      expect(BigInt(sequence ?? '0')).toBeGreaterThan(BigInt(checkpointed[0] as string));
    } finally {
      tables.destroy();
      await second.stop();
    }
  });
});
