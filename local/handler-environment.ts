/**
 * The environment of the Lambda handler modules. In AWS every function has a process and an
 * environment of its own; locally the handlers share the runtime's process, and they keep what they
 * read once (the DynamoDB client, the key pair, the search index), as in a Lambda cold start. So a
 * process serves one configuration: a second runtime that needs another is refused, rather than
 * silently running on the first one's. (A jest test file has a module registry and a process.env of
 * its own, so every test file may start its own runtime.)
 */
let configured: Readonly<Record<string, string>> | undefined;

/**
 * Sets the handlers' environment. `configuration` is what they keep once read (it must be the same
 * for every runtime of the process); `environment` also holds per-runtime addresses they read per
 * call, such as the local Secrets Manager's endpoint.
 */
export function configureHandlerEnvironment(
  configuration: Readonly<Record<string, string>>,
  environment: Readonly<Record<string, string>>,
): void {
  const before = configured ?? configuration;
  const differing = Object.keys({ ...before, ...configuration }).filter(
    (name) => before[name] !== configuration[name],
  );
  if (differing.length > 0) {
    // Names only: a value may be a path or a credential.
    throw new Error(
      `A local runtime with another configuration (${differing.join(', ')}) already ran in this process: ` +
        'the Lambda handlers keep what they read once. Start this runtime in a process of its own.',
    );
  }
  configured = { ...configuration };
  Object.assign(process.env, environment);
}
