/** kebab-case resource name to PascalCase, as used in ASL substitution variables and CDK ids. */
export const pascalCase = (name: string): string =>
  name.replace(/(^|-)([a-z0-9])/g, (_match, _dash, letter: string) => letter.toUpperCase());
