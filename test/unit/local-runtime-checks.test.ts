/** What the local runtime refuses at start, with real processes and definitions (no mocks). */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from '@jest/globals';
import type { LocalLambdas } from '../../local/lambdas.ts';
import { localTableNames } from '../../local/tables.ts';
import { LocalWorkflows } from '../../local/workflows.ts';
import { repoRoot } from '../../schemas/paths.ts';

describe('npm start without a suitable Java', () => {
  // The real entry point in a child process, with a PATH that has no Java or an old one.
  const start = (path: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, PATH: path, PORT: '0', DATA_DIR: mkdtempSync(join(tmpdir(), 'conduit-java-')) },
      encoding: 'utf8',
      timeout: 20_000,
    });

  it('explains in one line that Java is missing', () => {
    const result = start(mkdtempSync(join(tmpdir(), 'no-java-')));
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^DynamoDB Local needs Java 17\+ on PATH and none was found: install /),
    ]);
  });

  it('explains in one line that Java is too old', () => {
    const dir = mkdtempSync(join(tmpdir(), 'old-java-'));
    writeFileSync(join(dir, 'java'), '#!/bin/sh\necho \'openjdk version "11.0.22" 2024-01-16\' >&2\n');
    chmodSync(join(dir, 'java'), 0o755);
    const result = start(dir);
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toMatch(/^DynamoDB Local needs Java 17\+ but found Java 11: install /);
  });
});

describe('npm start and its JVM', () => {
  const isRunning = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  it('leaves no DynamoDB Local behind even when the server is killed with SIGKILL', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'conduit-orphan-'));
    const server = spawn(process.execPath, ['--import', 'tsx', 'local/main.ts'], {
      cwd: repoRoot,
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      server.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('ready on')) resolve();
      });
      server.once('exit', () => reject(new Error(`server exited: ${output}`)));
    });
    // The JVM is the process whose command line names this data directory.
    const jvm = spawnSync('pgrep', ['-f', `java.*DynamoDBLocal.jar.*${dataDir}`], { encoding: 'utf8' });
    const pids = jvm.stdout.trim().split('\n').filter(Boolean).map(Number);
    expect(pids.length).toBeGreaterThan(0);

    server.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (pids.some(isRunning) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(pids.filter(isRunning)).toEqual([]);
    // `npm start` takes 5–10 s on a quiet machine and was seen to take 40 s on a loaded one.
  }, 120_000);
});

describe('LocalWorkflows refuses what it cannot run faithfully', () => {
  const lambdas = {
    has: (name: string) => name === 'issue-token',
    invoke: async () => ({}),
  } as unknown as LocalLambdas;
  const load = (states: Record<string, unknown>) =>
    new LocalWorkflows(
      { dynamoDb: new DynamoDBClient({}), tableNames: localTableNames('x-'), lambdas },
      [{ name: 'probe', type: 'EXPRESS', carriesSecrets: false }],
      () => JSON.stringify({ StartAt: Object.keys(states)[0], States: states }),
    );
  const task = (extra: Record<string, unknown>) => ({ Type: 'Task', End: true, ...extra });

  it.each([
    [
      'JSONata',
      { A: task({ Resource: 'arn:aws:states:::aws-sdk:dynamodb:getItem', QueryLanguage: 'JSONata' }) },
      /uses QueryLanguage JSONata: JSONPath only/,
    ],
    ['Assign', { A: { Type: 'Pass', End: true, Assign: { x: 1 } } }, /uses Assign/],
    [
      'an explicit ResultPath of $',
      { A: { Type: 'Pass', End: true, ResultPath: '$' } },
      /mishandles: leave it out/,
    ],
    [
      'IsPresent: false inside a Choice rule (the runner does not match it on a missing path)',
      {
        A: {
          Type: 'Choice',
          Choices: [{ And: [{ Variable: '$.x', IsPresent: false }], Next: 'B' }],
          Default: 'B',
        },
        B: { Type: 'Succeed' },
      },
      /"IsPresent": false, which the local runner gets wrong: use Not/,
    ],
    [
      'a Distributed Map',
      {
        A: {
          Type: 'Map',
          End: true,
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED' },
            StartAt: 'B',
            States: { B: { Type: 'Succeed' } },
          },
        },
      },
      /Distributed Map/,
    ],
    [
      'an unknown resource',
      { A: task({ Resource: 'arn:aws:states:::sqs:sendMessage' }) },
      /unsupported resource/,
    ],
    [
      'an optimized dynamodb: task (only the aws-sdk: integration is supported)',
      { A: task({ Resource: 'arn:aws:states:::dynamodb:query' }) },
      /unsupported resource/,
    ],
    [
      'an unknown function',
      { A: task({ Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'nope' } }) },
      /no function nope/,
    ],
    [
      'an unset substitution',
      {
        A: task({
          Resource: 'arn:aws:states:::aws-sdk:dynamodb:getItem',
          Parameters: { TableName: '${Nope}' },
        }),
      },
      /uses \$\{Nope\} with no value/,
    ],
  ])('refuses %s', (_what, states, message) => {
    expect(() => load(states)).toThrow(message);
  });

  it('accepts the resources it resolves', () => {
    expect(() =>
      load({
        A: task({
          Resource: 'arn:aws:states:::aws-sdk:dynamodb:transactWriteItems',
          End: undefined,
          Next: 'B',
        }),
        B: task({
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: '${IssueTokenFunctionArn}' },
        }),
      }),
    ).not.toThrow();
  });
});
