import { verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  scope?: string;
  scp?: string[] | string;
  azp?: string;
  client_id?: string;
  [claim: string]: unknown;
}

export interface JwtExpectations {
  issuer?: string;
  audience?: string;
  /** Every one of these scopes must be granted (`scope` space-separated, or `scp`). */
  scopes?: readonly string[];
  /** Seconds since the epoch (injectable for tests). */
  now?: number;
  /** Allowed clock skew for exp/nbf, seconds (default 60). */
  leewaySeconds?: number;
}

export type JwtResult =
  | { ok: true; claims: JwtClaims; scopes: string[] }
  | { ok: false; status: 401 | 403; error: 'invalid_token' | 'insufficient_scope'; description: string };

export type KeyLookup = (kid: string | undefined) => Promise<{ key: KeyObject; alg?: string; kty: string } | undefined>;

const ALGORITHMS: Record<string, { kty: string; dsaEncoding?: 'ieee-p1363' }> = {
  RS256: { kty: 'RSA' },
  ES256: { kty: 'EC', dsaEncoding: 'ieee-p1363' },
};

function decodeSegment(segment: string): unknown {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
}

/**
 * Verifies a compact JWS bearer token: RS256 or ES256 only (never `none`, never an HMAC algorithm a
 * public key could be abused for), the key by `kid` from the JWKS and of the algorithm's key type,
 * then `iss`, `aud`, `exp`, `nbf` (with leeway) and the required scopes. 401 for a bad token, 403 for
 * a good token without the scopes (RFC 6750 §3.1).
 */
export async function verifyJwt(token: string, keys: KeyLookup, expect: JwtExpectations = {}): Promise<JwtResult> {
  const bad = (description: string): JwtResult => ({ ok: false, status: 401, error: 'invalid_token', description });
  const parts = token.split('.');
  if (parts.length !== 3) return bad('not a JWT');
  let header: unknown;
  let claims: JwtClaims;
  try {
    header = decodeSegment(parts[0]!);
    claims = decodeSegment(parts[1]!) as JwtClaims;
  } catch {
    return bad('the token does not decode');
  }
  // Anything may be in a token: `null`, a number, an `alg` with CR/LF or quotes. Check the shape
  // before reading it, and never put a token's text into a description (it ends up in a header).
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return bad('the token header is not an object');
  const { alg, kid } = header as { alg?: unknown; kid?: unknown };
  if (kid !== undefined && typeof kid !== 'string') return bad('the token header is malformed');
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) return bad('the token has no claims');
  const algorithm = typeof alg === 'string' && Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
  if (!algorithm) return bad('the algorithm is not accepted (RS256, ES256)');
  const found = await keys(kid);
  if (!found) return bad('the signing key is unknown');
  if (found.kty !== algorithm.kty || (found.alg !== undefined && found.alg !== alg))
    return bad('the signing key does not match the algorithm');
  const signature = Buffer.from(parts[2]!, 'base64url');
  const data = Buffer.from(`${parts[0]}.${parts[1]}`);
  const valid = verify(
    'sha256',
    data,
    algorithm.dsaEncoding ? { key: found.key, dsaEncoding: algorithm.dsaEncoding } : found.key,
    signature,
  );
  if (!valid) return bad('the signature does not verify');
  const now = expect.now ?? Math.floor(Date.now() / 1000);
  const leeway = expect.leewaySeconds ?? 60;
  if (typeof claims.exp !== 'number') return bad('the token has no expiry');
  if (claims.exp + leeway <= now) return bad('the token has expired');
  if (typeof claims.nbf === 'number' && claims.nbf - leeway > now) return bad('the token is not valid yet');
  if (expect.issuer !== undefined && claims.iss !== expect.issuer) return bad('the token is from another issuer');
  if (expect.audience !== undefined) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
    if (!audiences.includes(expect.audience)) return bad('the token is for another audience');
  }
  const granted =
    typeof claims.scope === 'string'
      ? claims.scope.split(' ').filter(Boolean)
      : Array.isArray(claims.scp)
        ? claims.scp
        : typeof claims.scp === 'string'
          ? claims.scp.split(' ')
          : [];
  const missing = (expect.scopes ?? []).filter((s) => !granted.includes(s));
  if (missing.length > 0)
    return { ok: false, status: 403, error: 'insufficient_scope', description: `missing scope(s): ${missing.join(' ')}` };
  return { ok: true, claims, scopes: granted };
}
