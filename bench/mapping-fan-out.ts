/**
 * The second case of `npm run bench -- mapping`: the example estate's x12-856-to-shipment, a fan-out
 * mapping (one shipment per order of the ASN) that uses the string and date functions (`padEnd`,
 * `substring`, `parseDate` in America/New_York, `filter`/`exists`, `first`/`last`/`index`), on the
 * cross-dock ASN (two orders → two shipments), against a hand-written TypeScript function and a
 * precompiled JSONata expression doing the same (JSONata has no IANA zones: the New York wall time
 * is read by a registered JavaScript function, as a JSONata user would do). Same three answers, or
 * the comparison means nothing. Returns the variants for mapping.ts to measure.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import jsonata from 'jsonata';
import { readSupportSources } from '../generators/bundles/support-sources.ts';
import { Generator } from '../generators/generate.ts';
import { loadFixture } from '../generators/testing/fixtures.ts';
import { testBundle } from '../generators/testing/run-tests.ts';
import { ValidationSession } from '../language/validation-session.ts';
import type { Variant } from './interleaved.ts';

const SPECS = new URL('../specs/', import.meta.url).pathname;
const FILES = ['contracts/native/x12-856.yaml', 'contracts/canonical/shipment.yaml', 'mappings/x12-856-to-shipment.yaml'];
const FIXTURE = 'fixtures/erp/x12/856_ASN_4060_cross-dock.edi';

const formats = new Map<string, Intl.DateTimeFormat>();

/** The instant clocks in `zone` show as `y-mo-d h:mi:s` (two passes around an offset change). */
function wallTimeIn(zone: string, y: number, mo: number, d: number, h: number, mi: number, s: number): Date {
  // One formatter per zone, kept: creating one per call would make the baseline unfairly slow.
  const format =
    formats.get(zone) ??
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  formats.set(zone, format);
  const offset = (at: number) => {
    const p = Object.fromEntries(format.formatToParts(at).map((x) => [x.type, x.value]));
    return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) - at;
  };
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const first = wall - offset(wall);
  return new Date(wall - offset(first));
}

/** BSN03 (CCYYMMDD) + BSN04 (HHMM[SS..]) in New York, as the mapping's parseDate reads it. */
function dispatchedAt(date: string, time: string): string {
  const t = time.padEnd(6, '0').slice(0, 6);
  const n = (s: string, a: number, b: number) => Number(s.slice(a, b));
  return wallTimeIn('America/New_York', n(date, 0, 4), n(date, 4, 6), n(date, 6, 8), n(t, 0, 2), n(t, 2, 4), n(t, 4, 6)).toISOString();
}

/**
 * What a careful engineer would write by hand for the same rules. `any` on purpose, as in mapping.ts:
 * untyped glue over the parsed X12.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above.
function handWritten(s: any): any[] {
  const shipment = s.HLLoop[0];
  // biome-ignore lint/suspicious/noExplicitAny: untyped X12 segments.
  const ref = (q: string) => shipment.REF.find((r: any) => r.REF01 === q)?.REF02;
  // biome-ignore lint/suspicious/noExplicitAny: untyped X12 segments.
  const carrier = shipment.TD5.find((t: any) => t.TD502 === '2');
  // biome-ignore lint/suspicious/noExplicitAny: untyped X12 segments.
  const shipped = shipment.DTM.find((d: any) => d.DTM01 === '011');
  // biome-ignore lint/suspicious/noExplicitAny: untyped X12 segments.
  const from = shipment.N1Loop.find((l: any) => l.N1.N101 === 'SF');
  const at = dispatchedAt(s.BSN.BSN03, s.BSN.BSN04);
  const orders = shipment.HLLoop ?? [];
  // biome-ignore lint/suspicious/noExplicitAny: untyped X12 loops.
  return orders.map((order: any, index: number) => ({
    shipmentNumber: orders.length === 1 ? s.BSN.BSN02 : `${s.BSN.BSN02}-${index + 1}`,
    direction: 'inbound',
    status: 'dispatched',
    orderNumber: order.PRF.PRF01,
    carrier: carrier ? { scac: carrier.TD503 } : undefined,
    billOfLading: ref('BM'),
    trackingNumber: ref('CN'),
    dispatchedAt: at,
    shipDate: shipped ? `${shipped.DTM02.slice(0, 4)}-${shipped.DTM02.slice(4, 6)}-${shipped.DTM02.slice(6, 8)}` : undefined,
    grossWeight: { value: Number(shipment.TD1[0].TD107), unit: shipment.TD1[0].TD108 === 'LB' ? 'LB' : 'KG' },
    packageCount: Math.trunc(Number(shipment.TD1[0].TD102)),
    shipFrom: { name: from.N1.N102, locationId: from.N1.N104, city: from.N4.N401, region: from.N4.N402 },
    // biome-ignore lint/suspicious/noExplicitAny: untyped X12 loops.
    lines: order.HLLoop.map((h: any) => ({
      lineNumber: Math.trunc(Number(h.LIN.LIN01)),
      vendorPartNumber: h.LIN.LIN03,
      gtin: h.LIN.LIN05,
      description: h.PID[0].PID05,
      quantity: Number(h.SN1.SN102),
      unit: h.SN1.SN103,
    })),
  }));
}

const JSONATA = `(
  $s := HLLoop[0];
  $orders := $s.HLLoop;
  $n := $count($orders);
  $at := $newYork(BSN.BSN03, BSN.BSN04);
  $bsn := BSN.BSN02;
  $carrier := $s.TD5[TD502 = "2"][0];
  $shipped := $s.DTM[DTM01 = "011"][0].DTM02;
  $from := $s.N1Loop[N1.N101 = "SF"][0];
  [$map($orders, function($o, $i) {{
    "shipmentNumber": $n = 1 ? $bsn : $bsn & "-" & $string($i + 1),
    "direction": "inbound",
    "status": "dispatched",
    "orderNumber": $o.PRF.PRF01,
    "carrier": $carrier ? { "scac": $carrier.TD503 },
    "billOfLading": $s.REF[REF01 = "BM"][0].REF02,
    "trackingNumber": $s.REF[REF01 = "CN"][0].REF02,
    "dispatchedAt": $at,
    "shipDate": $shipped ? $substring($shipped, 0, 4) & "-" & $substring($shipped, 4, 2) & "-" & $substring($shipped, 6, 2),
    "grossWeight": { "value": $number($s.TD1[0].TD107), "unit": $s.TD1[0].TD108 = "LB" ? "LB" : "KG" },
    "packageCount": $floor($number($s.TD1[0].TD102)),
    "shipFrom": { "name": $from.N1.N102, "locationId": $from.N1.N104, "city": $from.N4.N401, "region": $from.N4.N402 },
    "lines": [$o.HLLoop.{
      "lineNumber": $floor($number(LIN.LIN01)),
      "vendorPartNumber": LIN.LIN03,
      "gtin": LIN.LIN05,
      "description": PID[0].PID05,
      "quantity": $number(SN1.SN102),
      "unit": SN1.SN103
    }]
  }})]
)`;

/** The seven variants of one case: the floor, and the three peers with and without JSON parse/stringify. */
export interface MappingCase {
  title: string;
  floor: Variant;
  full: { compiled: Variant; hand: Variant; jsonata: Variant };
  step: { compiled: Variant; hand: Variant; jsonata: Variant };
}

export async function fanOutCase(): Promise<MappingCase> {
  const dir = mkdtempSync(join(tmpdir(), 'interlace-bench-fan-out-'));
  try {
    for (const file of FILES) {
      mkdirSync(dirname(join(dir, 'specs', file)), { recursive: true });
      writeFileSync(join(dir, 'specs', file), readFileSync(join(SPECS, file), 'utf8'));
    }
    const session = new ValidationSession().run(['specs'], { cwd: dir });
    const generated = await new Generator().generate({
      documents: session.result.documents,
      index: session.result.index,
      support: readSupportSources(),
      bundles: false,
    });
    const unit = generated.mappings.find((m) => m.doc.name === 'x12-856-to-shipment')!;
    if (!unit.compiled.fanOut) throw new Error('x12-856-to-shipment no longer fans out');
    const module = await import(`data:text/javascript;base64,${Buffer.from(testBundle(generated.files, [unit])).toString('base64')}`);
    const compiled = module[unit.compiled.functionName] as (s: unknown) => unknown[];
    const loaded = loadFixture(FIXTURE, readFileSync(join(SPECS, FIXTURE), 'utf8'), undefined);
    if (!loaded.ok) throw new Error(loaded.message);
    const asn = loaded.value;
    const text = JSON.stringify(asn);
    const expression = jsonata(JSONATA);
    expression.registerFunction('newYork', dispatchedAt, '<ss:s>');

    const a = JSON.stringify(compiled(asn));
    const b = JSON.stringify(handWritten(asn));
    const c = JSON.stringify(await expression.evaluate(asn));
    if (a !== b) throw new Error(`hand-written differs from compiled:\n${a}\n${b}`);
    if (a !== c) throw new Error(`JSONata differs from compiled:\n${a}\n${c}`);

    const outputs = compiled(asn).length;
    // Each output is its own message: serialized one by one, as the worker publishes them.
    const each = (out: unknown[]) => {
      let bytes = 0;
      for (const o of out) bytes += JSON.stringify(o).length;
      return bytes;
    };
    return {
      title: `mapping (fan-out): X12 856 cross-dock ASN (${text.length} bytes) → ${outputs} shipments, x12-856-to-shipment`,
      floor: { label: 'floor: parse + stringify only', run: () => JSON.stringify(JSON.parse(text)) },
      full: {
        compiled: { label: 'compiled mapping (interlace generate)', run: () => each(compiled(JSON.parse(text))) },
        hand: { label: 'hand-written TypeScript', run: () => each(handWritten(JSON.parse(text))) },
        jsonata: {
          label: 'JSONata (precompiled)',
          run: async () => each(await expression.evaluate(JSON.parse(text))),
          async: true,
        },
      },
      step: {
        compiled: { label: 'compiled mapping (interlace generate)', run: () => compiled(asn) },
        hand: { label: 'hand-written TypeScript', run: () => handWritten(asn) },
        jsonata: { label: 'JSONata (precompiled)', run: () => expression.evaluate(asn), async: true },
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
