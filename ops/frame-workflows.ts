/**
 * `npm run asl:frame`: writes the idempotency frame (schemas/idempotency-frame.ts) around the states of
 * every express ASL file, keeping each file's own states; run after changing the frame. A file already
 * framed is framed again from its own states, so the command can be repeated.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { AslMachine } from '../schemas/asl.ts';
import { framed, ownStates, RUN_STATE } from '../schemas/idempotency-frame.ts';
import { fromRoot } from '../schemas/paths.ts';
import { workflowFile, workflows } from '../schemas/workflows.ts';

for (const workflow of workflows.filter(({ type }) => type === 'EXPRESS')) {
  const path = fromRoot(workflowFile(workflow));
  const document = JSON.parse(readFileSync(path, 'utf8')) as AslMachine;
  const own = RUN_STATE in document.States ? ownStates(document) : document;
  const states = { StartAt: own.StartAt, States: own.States };
  writeFileSync(path, `${JSON.stringify(framed(workflow.name, document.Comment, states), null, 2)}\n`);
  console.log(`framed ${workflowFile(workflow)}`);
}
