/**
 * IAM for the Task parameters an ASL file builds at run time, which the file itself cannot show:
 * a `TransactItems.$` filled by a Lambda task (e.g. update-user, whose transaction has a variable
 * number of marker items). Everything else is derived from the ASL (schemas/asl.ts); a run-time
 * parameter with no entry here fails the synth, so a new one is always a deliberate decision.
 *
 * Key: `<workflow name>/<Task state name>`; value: the exact DynamoDB actions per table, as the
 * producing task builds them:
 * - update-user: lambdas/tasks/validate-user-update.ts — Put of the user; Put / ConditionCheck /
 *   Delete of the email and username markers; all on Users.
 * - update-article: lambdas/tasks/validate-article-update.ts — Update of the article; Put /
 *   ConditionCheck / Delete of the slug markers; all on Articles.
 *
 * This is a fact about the workflows and belongs in schemas/workflows.ts when its owners agree;
 * until then it lives next to the only code that needs it.
 */
import type { DynamicTableAccess } from '../schemas/asl.ts';

export const dynamicTaskAccess: Readonly<Record<string, readonly DynamicTableAccess[]>> = {
  'update-user/Save user and swap markers': [
    { table: 'Users', actions: ['ConditionCheckItem', 'DeleteItem', 'PutItem'] },
  ],
  'update-article/Save article and move slug': [
    { table: 'Articles', actions: ['ConditionCheckItem', 'DeleteItem', 'PutItem', 'UpdateItem'] },
  ],
};
