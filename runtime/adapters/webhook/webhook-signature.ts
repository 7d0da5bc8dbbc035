import { createHmac, timingSafeEqual } from 'node:crypto';

/** How a platform writes its HMAC-SHA256 signature in a header (System.spec.sources.webhook.signature). */
export interface SignatureScheme {
  encoding: 'base64' | 'hex';
  /** Text before the digest, e.g. `sha256=` (compared without regard to case). */
  prefix?: string;
}

/** The header value a platform sends for `body` signed with `secret` (tests, the simulator, the bench). */
export function signBody(body: Uint8Array | string, secret: string, scheme: SignatureScheme): string {
  const digest = createHmac('sha256', secret).update(body).digest(scheme.encoding);
  return `${scheme.prefix ?? ''}${digest}`;
}

/**
 * Whether `header` is the HMAC-SHA256 of the raw `body` under `secret`. The digest is decoded and
 * compared as bytes in constant time (timingSafeEqual), so neither the position of the first wrong
 * byte nor upper/lower case hex leaks or matters; a header of the wrong length or encoding is false.
 */
export function verifySignature(body: Uint8Array, header: string | undefined, secret: string, scheme: SignatureScheme): boolean {
  if (header === undefined) return false;
  let text = header.trim();
  const prefix = scheme.prefix ?? '';
  if (prefix) {
    if (text.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return false;
    text = text.slice(prefix.length);
  }
  const pattern = scheme.encoding === 'hex' ? /^[0-9a-fA-F]{64}$/ : /^[A-Za-z0-9+/]{43}=$/;
  if (!pattern.test(text)) return false;
  const given = Buffer.from(text, scheme.encoding);
  const expected = createHmac('sha256', secret).update(body).digest();
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Constant-time equality of two strings (a subscription's client state). */
export function sameSecret(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  // Compare equal-length buffers so the time does not depend on where they differ.
  return a.length === b.length ? timingSafeEqual(a, b) : timingSafeEqual(b, b) && false;
}
