/**
 * Secrets for local runs: a System's or Api's `secretRef {name, key}` is read from the environment
 * variable `<NAME>_<KEY>`, upper-cased, every other character than A-Z and 0-9 turned into `_`
 * (`{name: wms-oauth, key: client-secret}` → `WMS_OAUTH_CLIENT_SECRET`). In Kubernetes the controller
 * mounts the Secret's keys as exactly these variables, so the worker reads secrets one way.
 * Values are never logged; errors name the variable, not its content.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

export function secretVariable(name: string, key: string): string {
  return `${name}_${key}`.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export class MissingSecretError extends Error {
  constructor(variable: string, what: string) {
    super(`${what}: the secret is not set (environment variable ${variable})`);
    this.name = 'MissingSecretError';
  }
}

/** Reads one secret value; throws MissingSecretError when it is not set. */
export function readSecret(env: Environment, ref: { name: string; key?: string }, defaultKey: string, what: string): string {
  const variable = secretVariable(ref.name, ref.key ?? defaultKey);
  const value = env[variable];
  if (value === undefined || value === '') throw new MissingSecretError(variable, what);
  return value;
}
