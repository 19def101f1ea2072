/**
 * Environment of every test file, set before its imports: a handler module imported ahead of the
 * runtime (a test importing a shared Lambda module) must not print EMF metric lines into the test
 * output either (test/unit/observability.test.ts turns them on for itself and checks them).
 */
import { metricsNamespace } from '../../schemas/functions.ts';

process.env.POWERTOOLS_METRICS_NAMESPACE ??= metricsNamespace;
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
