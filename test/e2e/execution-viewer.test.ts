/**
 * The execution viewer (/_local/executions) in a real browser: Debian's Chromium, headless, driven by
 * playwright-core. After a few requests (one retried through a fault, one failing) the list shows
 * every execution they caused, express and standard, failures first; an execution's page shows its
 * states in order and the workflow's graph, rendered by Mermaid, with the path taken highlighted;
 * nothing on the pages is a password, a hash or a token; the API docs page renders every route. The
 * screenshots of the README (docs/execution-viewer-*.png, docs/api-docs.png) are taken here:
 * into docs/ with UPDATE_SCREENSHOTS=1 (`UPDATE_SCREENSHOTS=1 npx jest test/e2e/execution-viewer`),
 * otherwise into a temporary directory, so that a test run leaves the working tree as it was. With
 * CI=true a missing Chromium fails the file; otherwise it is skipped, saying why.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Browser, chromium, type Page } from 'playwright-core';
import { parseFaultSpec } from '../../local/faults.ts';
import { fromRoot } from '../../schemas/paths.ts';
import { cors, executionHeader, routes } from '../../schemas/routes.ts';
import { registerUser, useTestRuntime } from '../support/runtime.ts';

const CHROMIUM = '/usr/bin/chromium';
const MISSING = `needs Chromium at ${CHROMIUM} (apt-get install -y chromium)`;

const screenshotDir =
  process.env.UPDATE_SCREENSHOTS === '1' ? fromRoot('docs') : mkdtempSync(join(tmpdir(), 'conduit-viewer-'));
const screenshotPath = (file: string): string => join(screenshotDir, file);

const BCRYPT_HASH = /\$2[aby]\$\d\d\$/;
const JWT = /eyJ[\w-]+\.eyJ/;

const { runtime, api } = useTestRuntime();

if (!existsSync(CHROMIUM) && process.env.CI !== 'true') {
  console.warn(`test/e2e/execution-viewer.test.ts skipped: it ${MISSING}`);
  describe('execution viewer in Chromium', () => {
    it.skip(MISSING, () => undefined);
  });
} else {
  describe('execution viewer in Chromium', () => {
    let browser: Browser;
    let page: Page;
    let user: Awaited<ReturnType<typeof registerUser>>;
    let created: string;
    let conflict: string;

    beforeAll(async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`The execution viewer test ${MISSING}; CI must install it`);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      page = await browser.newPage({ viewport: { width: 1280, height: 900 } });

      user = await registerUser(api, 'viewer');
      // The article's presentation is throttled once: its Task retries, which the page must show.
      runtime().faults.set(parseFaultSpec('lambda/present-article:TooManyRequestsException*1'));
      const article = await api.post(
        '/api/articles',
        { article: { title: 'Traced', description: 'd', body: 'b', tagList: ['trace'] } },
        user.token,
      );
      runtime().faults.clear();
      expect(article.status).toBe(201);
      created = article.headers.get(executionHeader) ?? '';
      expect(article.headers.get('Access-Control-Expose-Headers')).toBe(cors.exposeHeaders.join(','));
      const taken = await api.post('/api/users', {
        user: { username: user.username, email: user.email, password: user.password },
      });
      expect(taken.status).toBe(409);
      conflict = taken.headers.get(executionHeader) ?? '';
      expect(created).not.toBe('');
      expect(conflict).not.toBe('');
      await runtime().events.settle();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
    });

    const pageText = async (): Promise<string> => (await page.locator('body').textContent()) ?? '';
    const expectNoSecrets = async () => {
      const html = await page.content();
      expect(html).not.toContain(user.password);
      expect(html).not.toContain(user.token);
      expect(html).not.toMatch(BCRYPT_HASH);
      expect(html).not.toMatch(JWT);
      expect(html).not.toContain('"passwordHash": "$');
    };

    it('renders the API docs page (/api/docs) with every route of the table', async () => {
      await page.goto(`${runtime().url}/api/docs`);
      await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
      const operations = await page.locator('.opblock-summary-path').allTextContents();
      const documented = new Set(operations.map((path) => path.replace(/\u200b/g, '').trim()));
      for (const route of routes) expect(documented).toContain(route.path.replace(/^\/api/, ''));
      await page.screenshot({ path: screenshotPath('api-docs.png') });
    });

    it('lists the executions, express and standard, failures first', async () => {
      await page.goto(`${runtime().url}/_local/executions`);
      const rows = page.locator('#executions tbody tr');
      expect(await rows.first().getAttribute('class')).toBe('failed');
      expect(await rows.first().textContent()).toContain('register-user');
      expect(await rows.first().textContent()).toContain('Conflict');
      const text = await pageText();
      expect(text).toContain('POST /api/articles');
      expect(text).toMatch(/article-events\s+STANDARD/);
      expect(text).toMatch(/Articles stream batch: INSERT article#/);
      expect(text).toMatch(/fan-out\s+STANDARD/);
      await expectNoSecrets();
      await page.screenshot({ path: screenshotPath('execution-viewer-list.png'), fullPage: true });
    });

    it('shows the states of the failed execution and the Fail state that ended it', async () => {
      await page.locator(`a[href="/_local/executions/${conflict}"]`).first().click();
      await page.waitForSelector('.mermaid svg');
      const states = await page
        .locator('#states tbody tr')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-state')));
      // The idempotency frame comes first; the workflow's own states run inside it.
      expect(states.slice(0, 3)).toEqual([
        'Is an idempotency key given?',
        'Run the request',
        'Validate registration and hash password',
      ]);
      // The Fail state that answered 409, and the frame around it passing its failure on.
      const failed = await page
        .locator('#states tbody tr.failed')
        .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-state')));
      expect(failed).toEqual(['Run the request', 'Reject taken email', 'Fail as the request did']);
      const failedNodes = await page.locator('.mermaid svg g.node.failed').allTextContents();
      expect(failedNodes.join(' | ')).toContain('Reject taken email');
      expect(failedNodes.join(' | ')).toContain('Fail as the request did');
      expect(await page.locator('.mermaid svg g.node.taken').count()).toBeGreaterThan(2);
      await expectNoSecrets();
    });

    it('shows a retried state and the path taken through the graph', async () => {
      await page.goto(`${runtime().url}/_local/executions/${created}`);
      await page.waitForSelector('.mermaid svg');
      const text = await pageText();
      expect(text).toContain('POST /api/articles');
      expect(text).toContain('Lambda.TooManyRequestsException');
      const retried = page.locator('#states tbody tr', { hasText: 'Lambda.TooManyRequestsException' });
      expect(await retried.getAttribute('data-state')).toBe('Present the new article');
      expect(await retried.locator('td').nth(5).textContent()).toBe('1');
      // Every state entered is highlighted (a Parallel state is a box around its branch, not a node),
      // none failed; the edges taken are styled.
      const entered = new Set(
        await page
          .locator('#states tbody tr')
          .evaluateAll((rows) =>
            rows
              .filter((row) => row.children[2]?.textContent !== 'Parallel')
              .map((row) => row.getAttribute('data-state')),
          ),
      );
      expect(await page.locator('.mermaid svg g.node.taken').count()).toBe(entered.size);
      expect(await page.locator('.mermaid svg g.node.failed').count()).toBe(0);
      expect(await page.locator('.mermaid svg path[style*="stroke-width:3px"]').count()).toBeGreaterThan(
        entered.size - 2,
      );
      await expectNoSecrets();
      await page.screenshot({ path: screenshotPath('execution-viewer-execution.png'), fullPage: true });
    });

    it('links a stream execution to the executions it started', async () => {
      await page.goto(`${runtime().url}/_local/executions`);
      await page
        .locator('#executions tbody tr', { hasText: 'article-events' })
        .locator('td a')
        .first()
        .click();
      await page.waitForSelector('.mermaid svg');
      const started = page.locator('table.summary tr', { hasText: 'fan-out' });
      await started.locator('a').first().click();
      await page.waitForSelector('.mermaid svg');
      expect(await pageText()).toMatch(/started by\s*article-events/);
      expect(await page.locator('#states tbody tr').count()).toBeGreaterThan(3);
    });
  });
}
