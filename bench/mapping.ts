/**
 * `npm run bench -- mapping`: the compiled SAP-order → canonical-order mapping (golden case
 * test/generators/sap-order, Mapping sap-order-to-order) against a hand-written TypeScript function
 * and a precompiled JSONata expression doing the same, on the real S/4HANA fixture (order 164).
 * Prints messages per second with JSON.parse/stringify included and excluded, and ratios against
 * the floor (parse + stringify alone) and the peers. A second case (mapping-fan-out.ts) runs a
 * fan-out mapping with the string and date functions. Targets (issue 14): ≥ 0.9× hand-written end to
 * end, ≥ 100× JSONata for the mapping step.
 */
import { readFileSync } from 'node:fs';
import jsonata from 'jsonata';
import { ValidationSession } from '../language/validation-session.ts';
import { readSupportSources } from '../generators/bundles/support-sources.ts';
import { Generator } from '../generators/generate.ts';
import { testBundle } from '../generators/testing/run-tests.ts';
import { fanOutCase } from './mapping-fan-out.ts';

const CASE = new URL('../test/generators/sap-order/', import.meta.url).pathname;

const PLANTS: Record<string, string> = { '1010': 'WH-WALLDORF', '1710': 'WH-PALO-ALTO' };
const STATUS: Record<string, string> = { A: 'open', B: 'in-process', C: 'completed' };

/**
 * What a careful engineer would write by hand for the same rules. `any` on purpose: the baseline reads
 * the raw SAP payload the way untyped hand-written glue does, so the benchmark compares like with like.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above.
function handWritten(s: any): any {
  const m = /^\/Date\((-?\d+)/.exec(s.SalesOrderDate ?? '');
  const total = Number(s.TotalNetAmount);
  return {
    orderNumber: String(s.SalesOrder).replace(/^0+(?=.)/, ''),
    customer: { id: s.SoldToParty, source: 'sap' },
    orderDate: m ? new Date(Number(m[1])).toISOString().slice(0, 10) : '1970-01-01',
    status: STATUS[s.OverallSDProcessStatus] ?? 'open',
    currency: s.TransactionCurrency,
    total,
    priority: s.TotalNetAmount !== undefined && total > 1000 ? 'high' : undefined,
    // biome-ignore lint/suspicious/noExplicitAny: an untyped SAP item, as in the function above.
    lines: (s.to_Item?.results ?? []).map((i: any) => {
      const warehouse = PLANTS[i.ProductionPlant];
      if (warehouse === undefined) throw new Error('lookup miss');
      return {
        lineNumber: Math.trunc(Number(i.SalesOrderItem)) / 10,
        sku: i.Material,
        quantity: Number(i.RequestedQuantity),
        unit: i.RequestedQuantityUnit,
        weightLb: i.ItemNetWeight === undefined ? undefined : Number((Number(i.ItemNetWeight) * 2.2046226218487757).toPrecision(12)),
        amount: Number(i.NetAmount),
        warehouse,
      };
    }),
  };
}

const JSONATA = `{
  "orderNumber": $replace(SalesOrder, /^0+(?=.)/, ""),
  "customer": { "id": SoldToParty, "source": "sap" },
  "orderDate": SalesOrderDate ? $substring($fromMillis($number($match(SalesOrderDate, /-?\\d+/).match)), 0, 10) : "1970-01-01",
  "status": $lookup({"A": "open", "B": "in-process", "C": "completed"}, OverallSDProcessStatus),
  "currency": TransactionCurrency,
  "total": $number(TotalNetAmount),
  "priority": $number(TotalNetAmount) > 1000 ? "high",
  "lines": [to_Item.results.{
    "lineNumber": $floor($number(SalesOrderItem)) / 10,
    "sku": Material,
    "quantity": $number(RequestedQuantity),
    "unit": RequestedQuantityUnit,
    "weightLb": $number(ItemNetWeight) * 2.2046226218487757,
    "amount": $number(NetAmount),
    "warehouse": $lookup({"1010": "WH-WALLDORF", "1710": "WH-PALO-ALTO"}, ProductionPlant)
  }]
}`;

function rate(label: string, fn: () => void, seconds = 1.5): number {
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - start < budget) {
    for (let i = 0; i < 200; i++) fn();
    n += 200;
  }
  const perSecond = n / (Number(process.hrtime.bigint() - start) / 1e9);
  console.log(`  ${label.padEnd(44)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} msg/s`);
  return perSecond;
}

async function rateAsync(label: string, fn: () => Promise<void>, seconds = 1.5): Promise<number> {
  for (let i = 0; i < 200; i++) await fn();
  let n = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - start < budget) {
    for (let i = 0; i < 20; i++) await fn();
    n += 20;
  }
  const perSecond = n / (Number(process.hrtime.bigint() - start) / 1e9);
  console.log(`  ${label.padEnd(44)} ${Math.round(perSecond).toLocaleString('en-US').padStart(12)} msg/s`);
  return perSecond;
}

export async function run(): Promise<void> {
  const session = new ValidationSession().run(['specs'], { cwd: CASE });
  const generated = await new Generator().generate({
    documents: session.result.documents,
    index: session.result.index,
    support: readSupportSources(),
    bundles: false,
  });
  const unit = generated.mappings.find((m) => m.doc.name === 'sap-order-to-order')!;
  const module = await import(`data:text/javascript;base64,${Buffer.from(testBundle(generated.files, [unit])).toString('base64')}`);
  const compiled = module[unit.compiled.functionName] as (s: unknown) => unknown;
  const fixture = JSON.parse(readFileSync(`${CASE}specs/fixtures/A_SalesOrder_expand_to_Item.wiremock.json`, 'utf8')).response.jsonBody.d
    .results[0];
  const text = JSON.stringify(fixture);
  const expression = jsonata(JSONATA);

  // Same answer from all three, or the comparison means nothing.
  const a = JSON.stringify(compiled(fixture));
  const b = JSON.stringify(handWritten(fixture));
  const c = JSON.parse(JSON.stringify(await expression.evaluate(fixture)));
  if (a !== b) throw new Error(`hand-written differs from compiled:\n${a}\n${b}`);
  if (JSON.stringify(JSON.parse(a).lines[0].sku) !== JSON.stringify(c.lines[0].sku)) throw new Error('JSONata differs');

  console.log(`mapping: SAP A_SalesOrder (${text.length} bytes) → canonical order, Node ${process.version}`);
  console.log('with JSON.parse + JSON.stringify');
  const floor = rate('floor: parse + stringify only', () => void JSON.stringify(JSON.parse(text)));
  const compiledFull = rate('compiled mapping (interlace generate)', () => void JSON.stringify(compiled(JSON.parse(text))));
  const handFull = rate('hand-written TypeScript', () => void JSON.stringify(handWritten(JSON.parse(text))));
  const jsonataFull = await rateAsync(
    'JSONata (precompiled)',
    async () => void JSON.stringify(await expression.evaluate(JSON.parse(text))),
  );
  console.log('mapping step only (input already parsed, output not serialized)');
  const compiledOnly = rate('compiled mapping (interlace generate)', () => void compiled(fixture));
  const handOnly = rate('hand-written TypeScript', () => void handWritten(fixture));
  const jsonataOnly = await rateAsync('JSONata (precompiled)', async () => void (await expression.evaluate(fixture)));
  const r = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
  console.log('ratios');
  console.log(`  compiled / floor (with parse+stringify)      ${r(compiledFull, floor)}`);
  console.log(
    `  compiled / hand-written (with | step only)   ${r(compiledFull, handFull)} | ${r(compiledOnly, handOnly)}   target ≥ 0.90× with`,
  );
  console.log(
    `  compiled / JSONata (with | step only)        ${r(compiledFull, jsonataFull)} | ${r(compiledOnly, jsonataOnly)}   target ≥ 100× step`,
  );
  console.log('');
  const f = await fanOutCase(rate, rateAsync);
  console.log('ratios (fan-out)');
  console.log(`  compiled / floor (with parse+stringify)      ${r(f.compiledFull, f.floor)}`);
  console.log(
    `  compiled / hand-written (with | step only)   ${r(f.compiledFull, f.handFull)} | ${r(f.compiledOnly, f.handOnly)}   target ≥ 0.90× with`,
  );
  console.log(
    `  compiled / JSONata (with | step only)        ${r(f.compiledFull, f.jsonataFull)} | ${r(f.compiledOnly, f.jsonataOnly)}   target ≥ 100× step`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
