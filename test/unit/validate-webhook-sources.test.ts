// System.spec.sources.webhook mistakes are diagnostics at their line: the event given in two places,
// a reserved path, the signature header as the delivery id; an event no route of the System consumes
// is a warning with the routed event it most likely means.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSources } from '../../language/load/load-sources.ts';
import { validateEstate } from '../../language/validate/validate-estate.ts';

const FIXTURE = readFileSync(join(import.meta.dirname, '../fixtures/webhook-estate/estate.yaml'), 'utf8');

function diagnosticsOf(text: string) {
  const loaded = loadSources([{ path: 'estate.yaml', text }]);
  expect(loaded.diagnostics).toEqual([]);
  return validateEstate(loaded.documents).diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    line: d.range.start.line,
    message: d.message,
    hint: d.hint,
  }));
}

function lineOf(text: string, needle: string): number {
  return text.split('\n').findIndex((l) => l.includes(needle)) + 1;
}

describe('webhook source validation', () => {
  it('accepts the fixture estate', () => {
    expect(diagnosticsOf(FIXTURE)).toEqual([]);
  });

  it('points a misspelt mapped event at its line with did-you-mean', () => {
    const text = FIXTURE.replace('products/update: Product.Updated', 'products/update: Product.Update');
    expect(diagnosticsOf(text)).toEqual([
      {
        code: 'webhook-event-unrouted',
        severity: 'warning',
        line: lineOf(text, 'products/update: Product.Update'),
        message: "no route consumes shop's event `Product.Update`: its deliveries are answered 200 and dropped",
        hint: 'Did you mean `Product.Updated`?',
      },
    ]);
  });

  it('refuses an event from two places, a reserved path and the signature header as delivery id', () => {
    const text = FIXTURE.replace('      path: /webhooks/shopify', '      path: /metrics')
      .replace('        header: X-Shopify-Topic\n', '        header: X-Shopify-Topic\n        name: Product.Updated\n')
      .replace('deliveryId: { header: X-Shopify-Webhook-Id, remember: 48h }', 'deliveryId: { header: X-Shopify-Hmac-Sha256 }');
    const found = diagnosticsOf(text);
    expect(found.map((d) => [d.code, d.line])).toEqual([
      ['webhook-source-invalid', lineOf(text, 'path: /metrics')],
      ['webhook-source-invalid', lineOf(text, 'header: X-Shopify-Topic')],
      ['webhook-source-invalid', lineOf(text, 'deliveryId: { header: X-Shopify-Hmac-Sha256 }')],
    ]);
    expect(found[1]!.message).toBe("the webhook's event is given by `name` and by `header`; a delivery's event comes from one place");
  });

  it('refuses a receiver with neither signature nor client state, and suggests the misspelt field', () => {
    const text = FIXTURE.replace(
      '      signature: { header: X-Shopify-Hmac-Sha256, encoding: base64, secretRef: { name: shop-webhook } }\n',
      '      signatur: { header: X-Shopify-Hmac-Sha256, encoding: base64, secretRef: { name: shop-webhook } }\n',
    );
    const found = diagnosticsOf(text);
    expect(found.some((d) => d.line === lineOf(text, 'signatur:') && /signature/.test(`${d.message} ${d.hint}`))).toBe(true);
  });
});
