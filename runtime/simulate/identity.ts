/**
 * The dealers' identity provider for a local run (login.dealers.example.com in the specs): an RSA key,
 * its JWKS at `/.well-known/jwks.json`, and a client-credentials token endpoint that issues RS256 JWTs
 * for an audience and scopes — what a dealer's app would present to the order-status, availability and
 * shipment-milestones APIs.
 */
import { createSign, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SimServer, route } from './sim-http.ts';

function b64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

export class IdentityProvider {
  readonly server: SimServer;
  private readonly privateKey: KeyObject;
  private readonly jwk: Record<string, unknown>;
  private readonly kid = 'interlace-run-1';
  issued = 0;

  constructor(port: number) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.privateKey = privateKey;
    this.jwk = { ...publicKey.export({ format: 'jwk' }), kid: this.kid, alg: 'RS256', use: 'sig' };
    this.server = new SimServer({
      name: 'identity',
      port,
      state: () => ({ issued: this.issued }),
      routes: [
        route('GET', '/.well-known/jwks.json', () => ({ status: 200, body: { keys: [this.jwk] } })),
        route('POST', '/oauth2/token', (r) => {
          const form = new URLSearchParams(r.text);
          const audience = form.get('audience') ?? '';
          return {
            status: 200,
            body: {
              access_token: this.token({
                audience,
                scopes: (form.get('scope') ?? '').split(' ').filter(Boolean),
                client: form.get('client_id') ?? 'dealer-app',
              }),
              token_type: 'Bearer',
              expires_in: 3600,
            },
          };
        }),
      ],
    });
  }

  /** The issuer the APIs must expect (`iss`). */
  get issuer(): string {
    return `${this.server.origin}/`;
  }

  get jwksUrl(): string {
    return `${this.server.origin}/.well-known/jwks.json`;
  }

  /** A signed access token for a dealer client. */
  token(options: { audience: string; scopes: string[]; client?: string; ttlSeconds?: number }): string {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', kid: this.kid };
    const claims = {
      iss: this.issuer,
      sub: options.client ?? 'dealer-app',
      azp: options.client ?? 'dealer-app',
      aud: options.audience,
      scope: options.scopes.join(' '),
      iat: now,
      nbf: now,
      exp: now + (options.ttlSeconds ?? 3600),
      jti: randomUUID(),
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(input).sign(this.privateKey);
    this.issued++;
    return `${input}.${b64url(signature)}`;
  }
}
