import { MappingError } from './errors.js';

/**
 * Takes the payload out of its envelope (`d` of an OData V2 entity) along a path of own property
 * names. A missing envelope fails the message as a contract violation.
 */
export function unwrap(message: unknown, path: readonly string[], target: string): unknown {
  let current = message;
  for (const name of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, name)) {
      throw new MappingError(
        'envelope-missing',
        target,
        undefined,
        `the message has no ${JSON.stringify(name)} envelope (unwrap: ${path.join('.')})`,
      );
    }
    current = (current as Record<string, unknown>)[name];
  }
  return current;
}
