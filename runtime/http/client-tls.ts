import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { CredentialError } from '../delivery/failures.ts';
import type { Environment } from './secrets.ts';
import { readSecret, secretVariable } from './secrets.ts';

/** The PEM texts a client certificate is made of. */
export interface ClientCertificate {
  cert: string;
  key: string;
  /** The CA that signed the server's certificate, when it is a private one (replaces the public roots). */
  ca?: string;
}

/**
 * The client certificate of an `mtls` System, from its Secret with the keys of a Kubernetes TLS
 * Secret (`kubernetes.io/tls`): `tls.crt` (the certificate, with its chain), `tls.key` (the private
 * key, PEM, unencrypted) and optionally `ca.crt` (read as `<SECRET>_TLS_CRT`, `<SECRET>_TLS_KEY`,
 * `<SECRET>_CA_CRT`; secrets.ts). Checked before the first connection, so a wrong Secret is reported
 * as what it is (not a handshake failure): a certificate or key that does not parse, a key that does
 * not belong to the certificate, or a certificate that has expired or is not yet valid, is a
 * permanent CredentialError; a missing Secret is a MissingSecretError.
 */
export function readClientCertificate(
  system: string,
  secretName: string,
  env: Environment,
  clock: () => number = Date.now,
): ClientCertificate {
  const what = `System ${system}`;
  const cert = readSecret(env, { name: secretName }, 'tls.crt', what);
  const key = readSecret(env, { name: secretName }, 'tls.key', what);
  const ca = env[secretVariable(secretName, 'ca.crt')] || undefined;
  const problem = (detail: string) =>
    new CredentialError(`${what}: client certificate (secret ${secretName}): ${detail}`, { permanent: true, reason: 'client-certificate' });
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw problem(`tls.crt is not a PEM certificate`);
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw problem('tls.key is not the key of tls.crt');
  } catch (error) {
    if (error instanceof CredentialError) throw error;
    throw problem('tls.key is not a PEM private key (an encrypted key is not supported)');
  }
  const now = clock();
  if (Date.parse(x509.validTo) < now) throw problem(`tls.crt expired on ${new Date(x509.validTo).toISOString()}`);
  if (Date.parse(x509.validFrom) > now) throw problem(`tls.crt is valid only from ${new Date(x509.validFrom).toISOString()}`);
  try {
    createSecureContext({ cert, key, ...(ca ? { ca } : {}) });
  } catch {
    throw problem(ca ? 'ca.crt is not a PEM certificate' : 'the certificate and key cannot be used for TLS');
  }
  return { cert, key, ...(ca ? { ca } : {}) };
}
