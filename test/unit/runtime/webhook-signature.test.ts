// HMAC-SHA256 webhook signatures against the platforms' own published examples: GitHub's documented
// test vector (hex with the `sha256=` prefix) and a Shopify-style base64 digest; wrong case of the
// prefix and of hex digits still match, anything else does not.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sameSecret, signBody, verifySignature } from '../../../runtime/adapters/webhook/webhook-signature.ts';

// docs.github.com, "Validating webhook deliveries": secret, payload and the X-Hub-Signature-256 it gives.
const GITHUB = {
  secret: "It's a Secret to Everybody",
  body: 'Hello, World!',
  header: 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
};

describe('webhook signatures', () => {
  it("verifies GitHub's published example (hex, sha256= prefix)", () => {
    const scheme = { encoding: 'hex' as const, prefix: 'sha256=' };
    expect(verifySignature(Buffer.from(GITHUB.body), GITHUB.header, GITHUB.secret, scheme)).toBe(true);
    expect(signBody(GITHUB.body, GITHUB.secret, scheme)).toBe(GITHUB.header);
    expect(verifySignature(Buffer.from(GITHUB.body), GITHUB.header.toUpperCase(), GITHUB.secret, scheme)).toBe(true);
    expect(verifySignature(Buffer.from(`${GITHUB.body} `), GITHUB.header, GITHUB.secret, scheme)).toBe(false);
    expect(verifySignature(Buffer.from(GITHUB.body), GITHUB.header.slice('sha256='.length), GITHUB.secret, scheme)).toBe(false);
    expect(verifySignature(Buffer.from(GITHUB.body), `${GITHUB.header.slice(0, -1)}0`, GITHUB.secret, scheme)).toBe(false);
    expect(verifySignature(Buffer.from(GITHUB.body), undefined, GITHUB.secret, scheme)).toBe(false);
  });

  it('verifies a base64 digest and refuses it read as hex, truncated or padded', () => {
    const body = Buffer.from('{"id":632910392}');
    const digest = createHmac('sha256', 'shpss_secret').update(body).digest('base64');
    expect(verifySignature(body, digest, 'shpss_secret', { encoding: 'base64' })).toBe(true);
    expect(verifySignature(body, ` ${digest} `, 'shpss_secret', { encoding: 'base64' })).toBe(true);
    expect(verifySignature(body, digest, 'shpss_secret', { encoding: 'hex' })).toBe(false);
    expect(verifySignature(body, digest.slice(0, -2), 'shpss_secret', { encoding: 'base64' })).toBe(false);
    expect(verifySignature(body, `${digest}AAAA`, 'shpss_secret', { encoding: 'base64' })).toBe(false);
    expect(verifySignature(body, digest, 'other', { encoding: 'base64' })).toBe(false);
  });

  it('compares client states exactly', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abd', 'abc')).toBe(false);
    expect(sameSecret('ab', 'abc')).toBe(false);
    expect(sameSecret(undefined, 'abc')).toBe(false);
    expect(sameSecret(123, '123')).toBe(false);
  });
});
