/**
 * What the in-process Lambda functions print while something runs: their Powertools log lines (in
 * AWS, their CloudWatch log events), one JSON object a line. Not printed meanwhile.
 */
import { jest } from '@jest/globals';

export type LogLine = Record<string, unknown>;

export async function captureLambdaLogs<T>(run: () => Promise<T>): Promise<{ result: T; logs: LogLine[] }> {
  const printed: string[] = [];
  const capture = (chunk: unknown) => {
    printed.push(String(chunk));
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const result = await run();
    const logs = printed
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
    return { result, logs };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

/** The lines logged at ERROR. */
export const errorLines = (logs: readonly LogLine[]): LogLine[] =>
  logs.filter((line) => line.level === 'ERROR');
