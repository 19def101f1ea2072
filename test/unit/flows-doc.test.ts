/** docs/flows.md is generated (docs/flows.ts): the committed file must be what the sources render. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { FLOWS_FILE, renderFlows } from '../../docs/flows.ts';
import { fromRoot } from '../../schemas/paths.ts';
import { routes } from '../../schemas/routes.ts';
import { workflows } from '../../schemas/workflows.ts';

describe(FLOWS_FILE, () => {
  const rendered = renderFlows();

  it('is up to date (regenerate it with `npm run docs:flows`)', () => {
    expect(readFileSync(fromRoot(FLOWS_FILE), 'utf8')).toBe(rendered);
  });

  it('has a row per route, a chapter and a diagram per workflow, and one of the idempotency frame', () => {
    for (const route of routes) expect(rendered).toContain(`| \`${route.method} ${route.path}\` |`);
    for (const workflow of workflows) expect(rendered).toContain(`\n### ${workflow.name}\n`);
    expect(rendered).toContain('\n### The idempotency frame\n');
    expect(rendered.match(/```mermaid\n/g)).toHaveLength(workflows.length + 1);
    // Each express chapter draws its own states; the frame's are drawn once.
    expect(rendered.match(/"Claim the idempotency key"/g)).toHaveLength(1);
  });

  it('derives the stream events from the keys and the Pipe filters', () => {
    // A follow's row is a following# item, which relation-events' filter passes; its mirror is not.
    expect(rendered).toMatch(
      /\| `pk = following#\{auth\.userId\}, sk = \{followee\.userId\}` \| relation-events \(INSERT\) \|/,
    );
    expect(rendered).toMatch(/\| `pk = followers#\{followee\.userId\}, sk = \{auth\.userId\}` \| – \|/);
  });
});
