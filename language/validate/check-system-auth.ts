import type { SpecDocument } from './estate-index.ts';
import type { Reporter } from './report.ts';

/** The auth fields each type reads (runtime/http/system-auth.ts); any other is ignored at run time. */
const FIELDS_OF_TYPE: Record<string, readonly string[]> = {
  'oauth2-client-credentials': ['tokenUrl', 'scopes', 'clientAuthentication', 'audience', 'resource'],
  'api-key': ['header'],
};

/** Types that read fixed keys of their Secret; `secretRef.key` renames the one key of `api-key` and `bearer` only. */
const FIXED_KEYS: Record<string, readonly string[]> = {
  basic: ['username', 'password'],
  'oauth2-client-credentials': ['client-id', 'client-secret'],
  mtls: ['tls.crt', 'tls.key', 'ca.crt'],
};

/**
 * What the schema cannot say about a System's `auth` and CSRF settings (docs/adapters.md#authenticated-calls):
 * fields that only one auth type reads, set on another (the runtime ignores them, so the author's intent
 * is lost silently); `secretRef.key` on a type that reads several fixed keys; a token URL over plain
 * HTTP (the client secret would cross the network in clear); `csrfFetchPath` without `csrf`, and `csrf`
 * on an endpoint that is not HTTP. All warnings: the System still runs, just not as written.
 */
export function checkSystemAuth(doc: SpecDocument, report: Reporter): void {
  if (doc.kind !== 'System') return;
  const auth = doc.spec.auth as (Record<string, unknown> & { type: string; secretRef?: { key?: string } }) | undefined;
  if (auth) {
    for (const [type, fields] of Object.entries(FIELDS_OF_TYPE)) {
      if (type === auth.type) continue;
      for (const field of fields) {
        if (auth[field] === undefined || (FIELDS_OF_TYPE[auth.type] ?? []).includes(field)) continue;
        report.add(
          doc,
          'system-auth-ignored',
          ['spec', 'auth', field],
          `\`${field}\` is read only for auth type \`${type}\`; this System's auth type is \`${auth.type}\``,
          `Remove \`${field}\`, or set \`type: ${type}\` if that is how the System authenticates.`,
          { key: true },
        );
      }
    }
    const fixed = FIXED_KEYS[auth.type];
    const key = auth.secretRef?.key;
    // Naming one of the keys the type reads anyway is harmless; another name would be silently unread.
    if (fixed && key !== undefined && !fixed.includes(key)) {
      report.add(
        doc,
        'system-auth-ignored',
        ['spec', 'auth', 'secretRef', 'key'],
        `\`secretRef.key\` is ignored for auth type \`${auth.type}\`, which reads the Secret's keys ${fixed.map((k) => `\`${k}\``).join(', ')}`,
        `Name the keys in the Secret so (docs/adapters.md#authenticated-calls), and remove \`key: ${key}\`.`,
        { key: true },
      );
    }
    const tokenUrl = typeof auth.tokenUrl === 'string' ? auth.tokenUrl : undefined;
    if (tokenUrl?.startsWith('http://') && !/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:|\/|$)/.test(tokenUrl)) {
      report.add(
        doc,
        'system-auth-insecure',
        ['spec', 'auth', 'tokenUrl'],
        'the token URL is plain http: the client secret and the tokens would cross the network unencrypted',
        `Use https (${tokenUrl.replace(/^http:/, 'https:')}).`,
      );
    }
  }
  const endpoint = doc.spec.endpoint;
  if (endpoint.csrfFetchPath !== undefined && endpoint.csrf !== true) {
    report.add(
      doc,
      'system-auth-ignored',
      ['spec', 'endpoint', 'csrfFetchPath'],
      '`csrfFetchPath` has no effect: CSRF tokens are fetched only when `csrf: true`',
      'Add `csrf: true` to the endpoint (SAP Gateway OData services want it for writes), or remove `csrfFetchPath`.',
      { key: true },
    );
  }
  if (endpoint.csrf === true && endpoint.protocol !== 'http') {
    report.add(
      doc,
      'system-auth-ignored',
      ['spec', 'endpoint', 'csrf'],
      `\`csrf\` applies to http endpoints; this System's endpoint.protocol is \`${endpoint.protocol}\``,
      'Remove `csrf`, or use `protocol: http` for an OData service.',
      { key: true },
    );
  }
}
