// mTLS: a System with `auth.type: mtls` calls its partner with the client certificate from its Secret
// (tls.crt, tls.key, optional ca.crt), through the worker's own transport (route-assembly's
// systemClientFor), against an HTTPS server that requires a client certificate from its CA. The
// certificates are made for the test by openssl (test/helpers/auth-peers/test-pki.ts).
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer } from '../../../lib/http-server.ts';
import type { StartedServer } from '../../../lib/http-server.ts';
import type { System } from '../../../language/kinds/generated/kinds.ts';
import { classifyFailure, CredentialError } from '../../../runtime/delivery/failures.ts';
import { readClientCertificate } from '../../../runtime/http/client-tls.ts';
import { MissingSecretError } from '../../../runtime/http/secrets.ts';
import { systemClientFor } from '../../../runtime/worker/route-assembly.ts';
import type { AssemblyContext } from '../../../runtime/worker/route-assembly.ts';
import { createTestPki } from '../../helpers/auth-peers/test-pki.ts';
import type { TestPki } from '../../helpers/auth-peers/test-pki.ts';

let pki: TestPki;
let server: StartedServer;
const seen: string[] = [];

beforeAll(async () => {
  pki = createTestPki();
  server = await startHttpServer({
    port: 0,
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true },
    handler: (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      seen.push(String(peer.subject?.CN));
      res.writeHead(req.method === 'POST' ? 202 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ client: peer.subject?.CN }));
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  pki?.remove();
});

const SYSTEM = {
  apiVersion: 'interlace.dev/v1alpha1',
  kind: 'System',
  metadata: { name: 'edi-partner' },
  spec: {
    type: 'edi-partner',
    hosting: 'saas',
    endpoint: { protocol: 'http' },
    auth: { type: 'mtls', secretRef: { name: 'partner-tls' } },
  },
} as unknown as System;

function clientWith(env: Record<string, string>) {
  const system = structuredClone(SYSTEM);
  system.spec.endpoint.url = `${server.url}/as2`;
  const ctx = { estate: {}, backbone: {}, env, clients: new Map() } as unknown as AssemblyContext;
  return systemClientFor(ctx, system);
}

const send = (env: Record<string, string>) =>
  clientWith(env).call({ method: 'POST', path: '/inbound', body: { isa: 'ISA*00*' }, timeoutMs: 5_000 });

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('the call succeeded');
}

describe('mTLS with client certificates from Secrets', { timeout: 30_000 }, () => {
  it('the certificate from PARTNER_TLS_TLS_CRT / _TLS_KEY, the server verified with PARTNER_TLS_CA_CRT', async () => {
    const env = { PARTNER_TLS_TLS_CRT: pki.client.cert, PARTNER_TLS_TLS_KEY: pki.client.key, PARTNER_TLS_CA_CRT: pki.ca.cert };
    const answer = await send(env);
    expect(answer.status).toBe(202);
    expect(answer.json()).toEqual({ client: 'interlace-client' });
    expect(seen.at(-1)).toBe('interlace-client');
  });

  it('the server refuses a client certificate from another CA: the call fails at the handshake', async () => {
    const before = seen.length;
    const env = { PARTNER_TLS_TLS_CRT: pki.rogueClient.cert, PARTNER_TLS_TLS_KEY: pki.rogueClient.key, PARTNER_TLS_CA_CRT: pki.ca.cert };
    const error = await failureOf(send(env));
    expect(classifyFailure(error).kind).toBe('transient');
    expect(seen.length).toBe(before);
  });

  it('without ca.crt the private server certificate is not trusted: no request is sent', async () => {
    const before = seen.length;
    const error = await failureOf(send({ PARTNER_TLS_TLS_CRT: pki.client.cert, PARTNER_TLS_TLS_KEY: pki.client.key }));
    expect(String((error as { code?: string }).code ?? (error as Error).message)).toMatch(/CERT|certificate/i);
    expect(seen.length).toBe(before);
  });

  it('a key that is not the certificate’s is a permanent failure before any connection', async () => {
    const env = { PARTNER_TLS_TLS_CRT: pki.client.cert, PARTNER_TLS_TLS_KEY: pki.rogueClient.key, PARTNER_TLS_CA_CRT: pki.ca.cert };
    const error = await failureOf(send(env));
    expect(error).toBeInstanceOf(CredentialError);
    expect((error as Error).message).toContain('tls.key is not the key of tls.crt');
    expect(classifyFailure(error)).toMatchObject({ kind: 'permanent', reason: 'client-certificate' });
  });

  it('garbage, an expired certificate and a missing Secret are reported as what they are', () => {
    const env = { PARTNER_TLS_TLS_CRT: pki.client.cert, PARTNER_TLS_TLS_KEY: pki.client.key };
    expect(() => readClientCertificate('edi-partner', 'partner-tls', { ...env, PARTNER_TLS_TLS_CRT: 'not a pem' })).toThrow(
      /tls.crt is not a PEM certificate/,
    );
    const inAWeek = () => Date.now() + 7 * 86_400_000;
    expect(() => readClientCertificate('edi-partner', 'partner-tls', env, inAWeek)).toThrow(/tls.crt expired on/);
    expect(() => readClientCertificate('edi-partner', 'partner-tls', {})).toThrow(MissingSecretError);
  });
});
