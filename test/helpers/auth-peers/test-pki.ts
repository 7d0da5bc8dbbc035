/**
 * A throwaway PKI made with Debian's `openssl` for TLS tests: a CA, a server certificate for
 * 127.0.0.1 signed by it, a client certificate signed by it, and a client certificate from another
 * CA that the server must refuse. Everything lives in a temporary directory removed by `remove()`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  cert: string;
  key: string;
}

export interface TestPki {
  ca: Pem;
  server: Pem;
  client: Pem;
  /** A client certificate signed by a CA the server does not trust. */
  rogueClient: Pem;
  remove(): void;
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'interlace-mtls-pki-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const selfSignedCa = (name: string) =>
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.crt`),
    );
  const issue = (name: string, ca: string, extensions: string) => {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`));
    writeFileSync(file(`${name}.ext`), extensions);
    openssl(
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file(`${ca}.crt`),
      '-CAkey',
      file(`${ca}.key`),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file(`${name}.ext`),
      '-out',
      file(`${name}.crt`),
    );
  };
  const pem = (name: string): Pem => ({ cert: readFileSync(file(`${name}.crt`), 'utf8'), key: readFileSync(file(`${name}.key`), 'utf8') });
  selfSignedCa('test-ca');
  selfSignedCa('rogue-ca');
  issue('partner-gateway', 'test-ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  issue('interlace-client', 'test-ca', 'extendedKeyUsage=clientAuth\n');
  issue('rogue-client', 'rogue-ca', 'extendedKeyUsage=clientAuth\n');
  return {
    ca: pem('test-ca'),
    server: pem('partner-gateway'),
    client: pem('interlace-client'),
    rogueClient: pem('rogue-client'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
