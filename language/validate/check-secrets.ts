import type { PathSegment } from '../diagnostics/diagnostic.ts';
import type { KindName } from '../kinds/registry.ts';
import type { LoadedDocument } from '../load/loaded-document.ts';
import type { Reporter } from './report.ts';

/** Field names that hold a credential; a value there must be a secretRef, never the secret. */
const SECRET_FIELD =
  /^(password|passwd|pwd|secret|client[-_]?secret|token|access[-_]?token|refresh[-_]?token|api[-_]?key|apikey|private[-_]?key|credentials?|auth[-_]?token|bearer)$/i;

/** Values that are credentials wherever they appear. */
const SECRET_VALUES: { pattern: RegExp; what: string }[] = [
  { pattern: /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, what: 'a URL with a user name and password in it' },
  { pattern: /^(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}$/, what: 'an Authorization header value' },
  { pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/, what: 'a private key' },
  { pattern: /^(AKIA|ASIA)[A-Z0-9]{16}$/, what: 'an AWS access key id' },
  { pattern: /^gh[pousr]_[A-Za-z0-9]{36,}$/, what: 'a GitHub token' },
  { pattern: /^eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}$/, what: 'a JSON Web Token' },
];

/** Parts of a spec that are payload data (schemas, examples, test fixtures), not configuration. */
function isDataSubtree(kind: string, path: readonly PathSegment[]): boolean {
  if (path[0] !== 'spec') return false;
  if (kind === 'DataContract') return path[1] === 'schema' || path[1] === 'examples';
  if (kind === 'Mapping') return path[1] === 'tests' || path[1] === 'lookups';
  if (kind === 'Api') return path.includes('parameters');
  return false;
}

/**
 * Credentials belong in Secrets. A credential written into a spec ends up in Git history forever,
 * so this runs before the schema check and takes precedence over "unknown field".
 */
export function checkSecrets(source: LoadedDocument, kind: KindName, report: Reporter): PathSegment[][] {
  const doc = { source, kind };
  const found: PathSegment[][] = [];
  const visit = (value: unknown, path: PathSegment[]) => {
    if (isDataSubtree(doc.kind, path)) return;
    if (typeof value === 'string') {
      const key = path[path.length - 1];
      if (typeof key === 'string' && SECRET_FIELD.test(key) && value.trim() !== '') {
        found.push(path);
        report.add(
          doc,
          'secret-inline',
          path,
          `\`${key}\` holds a credential written into the spec`,
          'Remove it (and rotate it: it is in Git history now), store it in a Secret and refer to it with `auth.secretRef: {name: ..., key: ...}`.',
          { key: true },
        );
        return;
      }
      const match = SECRET_VALUES.find((s) => s.pattern.test(value));
      if (match) {
        found.push(path);
        report.add(
          doc,
          'secret-inline',
          path,
          `value looks like ${match.what}`,
          'Remove the credential (and rotate it), store it in a Secret and use `auth.secretRef`.',
        );
      }
      return;
    }
    if (Array.isArray(value))
      value.forEach((item, i) => {
        visit(item, [...path, i]);
      });
    else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) visit(child, [...path, key]);
    }
  };
  visit(doc.source.value, []);
  return found;
}
