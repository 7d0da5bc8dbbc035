// System auth and CSRF settings the runtime would ignore, or that would send a secret in clear, are
// warnings at their field (language/validate/check-system-auth.ts); a misspelt field is the schema's
// did-you-mean error.
import { describe, expect, it } from 'vitest';
import { loadSources } from '../../language/load/load-sources.ts';
import { validateEstate } from '../../language/validate/validate-estate.ts';

function system(auth: string, endpoint = '{ protocol: http, url: "https://s4.example.com/sap/opu/odata/sap/API_SALES_ORDER_SRV" }') {
  const text = `apiVersion: interlace.dev/v1alpha1
kind: System
metadata: { name: s4 }
spec:
  type: erp
  hosting: on-prem
  endpoint: ${endpoint}
${auth}
`;
  const loaded = loadSources([{ path: 's4.yaml', text }]);
  expect(loaded.diagnostics).toEqual([]);
  return validateEstate(loaded.documents).diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    path: d.path.join('.'),
    message: d.message,
    hint: d.hint,
    line: d.range.start.line,
  }));
}

describe('System auth and CSRF validation', () => {
  it('a full OAuth2 client-credentials auth with CSRF is clean', () => {
    expect(
      system(
        `  auth: { type: oauth2-client-credentials, tokenUrl: "https://idp.example.com/token", secretRef: { name: s4-oauth }, clientAuthentication: client_secret_post, audience: api://s4, resource: "https://s4.example.com/" }`,
        '{ protocol: http, url: "https://s4.example.com/sap", csrf: true, csrfFetchPath: /$metadata }',
      ),
    ).toEqual([]);
  });

  it('OAuth2 fields on basic auth are warnings at the field, with what to do', () => {
    const found = system(`  auth: { type: basic, secretRef: { name: s4 }, audience: api://s4, clientAuthentication: client_secret_post }`);
    expect(found.map((d) => [d.code, d.severity, d.path, d.line])).toEqual([
      ['system-auth-ignored', 'warning', 'spec.auth.audience', 8],
      ['system-auth-ignored', 'warning', 'spec.auth.clientAuthentication', 8],
    ]);
    expect(found[1]!.message).toBe(
      "`clientAuthentication` is read only for auth type `oauth2-client-credentials`; this System's auth type is `basic`",
    );
    expect(found[1]!.hint).toContain('set `type: oauth2-client-credentials`');
  });

  it('secretRef.key on a type with fixed keys is ignored: a warning', () => {
    expect(system(`  auth: { type: mtls, secretRef: { name: partner-tls, key: cert } }`).map((d) => [d.code, d.path])).toEqual([
      ['system-auth-ignored', 'spec.auth.secretRef.key'],
    ]);
    expect(system(`  auth: { type: bearer, secretRef: { name: crm, key: access-token } }`)).toEqual([]);
    // Naming a key the type reads anyway is harmless (the example estate does: key: client-secret).
    expect(
      system(
        `  auth: { type: oauth2-client-credentials, tokenUrl: "https://idp.example.com/t", secretRef: { name: s4, key: client-secret } }`,
      ),
    ).toEqual([]);
  });

  it('a token URL over plain http is a warning, loopback excepted', () => {
    const found = system(`  auth: { type: oauth2-client-credentials, tokenUrl: "http://idp.example.com/token", secretRef: { name: s4 } }`);
    expect(found.map((d) => [d.code, d.path, d.hint])).toEqual([
      ['system-auth-insecure', 'spec.auth.tokenUrl', 'Use https (https://idp.example.com/token).'],
    ]);
    expect(system(`  auth: { type: oauth2-client-credentials, tokenUrl: "http://127.0.0.1:8080/token", secretRef: { name: s4 } }`)).toEqual(
      [],
    );
  });

  it('csrfFetchPath without csrf, and csrf on a file endpoint, are warnings', () => {
    expect(system('', '{ protocol: http, url: "https://s4.example.com/sap", csrfFetchPath: / }').map((d) => [d.code, d.path])).toEqual([
      ['system-auth-ignored', 'spec.endpoint.csrfFetchPath'],
    ]);
    expect(system('', '{ protocol: file, directory: /drop, csrf: true }').map((d) => [d.code, d.path])).toEqual([
      ['system-auth-ignored', 'spec.endpoint.csrf'],
    ]);
  });

  it('a misspelt field is a schema error with did-you-mean', () => {
    const found = system(
      `  auth: { type: oauth2-client-credentials, tokenUrl: "https://idp.example.com/token", secretRef: { name: s4 }, audiance: api://s4 }`,
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.severity).toBe('error');
    expect(`${found[0]!.message} ${found[0]!.hint}`).toMatch(/audience/);
  });
});
