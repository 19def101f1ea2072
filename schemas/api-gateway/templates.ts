/**
 * The API Gateway mapping templates of the express workflow routes: the CDK API construct installs
 * them, the local gateway renders the same files (local/api-gateway-templates.ts).
 */
import { fromRoot } from '../paths.ts';

export const requestTemplatePath = fromRoot('schemas/api-gateway/start-sync-execution.request.vtl');
export const responseTemplatePath = fromRoot('schemas/api-gateway/start-sync-execution.response.vtl');

/** The placeholder of the request template substituted with the route's state machine ARN before use. */
export const stateMachineArnPlaceholder = '${StateMachineArn}';

/** The placeholder of the response template substituted with the route's success status before use. */
export const successStatusPlaceholder = '${SuccessStatus}';
