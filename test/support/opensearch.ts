/**
 * A real OpenSearch 2.19.6 for the test files that need one: the one OPENSEARCH_URL names, or a
 * node started here (local/opensearch.ts) with its data in a temporary directory. Where none can be
 * had (no Java or Maven, or it would not start), the reason comes back instead, for the file to
 * report its tests as skipped with it; under CI (CI=true) that is a failure.
 *
 * A node started here refreshes its indices every 100 ms instead of every second (an index template,
 * outside the adapter's own index definition): a write with `refresh: wait_for` waits for the next
 * refresh, and the contract tests make a few hundred of them one after the other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOpenSearch } from '../../local/opensearch.ts';

export type TestOpenSearch =
  | { readonly url: string; stop(): Promise<void> }
  | { readonly unavailable: string };

/** Call at the top level of a test file (top-level await), and `stop()` it in its afterAll. */
export async function testOpenSearch(): Promise<TestOpenSearch> {
  const url = process.env.OPENSEARCH_URL;
  if (url) return { url, stop: async () => undefined };
  const homeDir = mkdtempSync(join(tmpdir(), 'conduit-opensearch-'));
  try {
    const engine = await startOpenSearch({ homeDir });
    const response = await fetch(`${engine.url}/_index_template/fast-refresh`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ index_patterns: ['*'], template: { settings: { refresh_interval: '100ms' } } }),
    });
    if (!response.ok) throw new Error(`index template: ${response.status} ${await response.text()}`);
    return {
      url: engine.url,
      async stop() {
        await engine.stop();
        rmSync(homeDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(homeDir, { recursive: true, force: true });
    return { unavailable: (error as Error).message.split('\n')[0] ?? String(error) };
  }
}

/** CI must run every test on the real engine: there, an engine that could not start fails the run. */
export const realEngineRequired = (): boolean => process.env.CI === 'true';
