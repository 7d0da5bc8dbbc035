/**
 * `npm run bench -- mapping`: the compiled SAP-order → canonical-order mapping (golden case
 * test/generators/sap-order, Mapping sap-order-to-order) against a hand-written TypeScript function
 * and a precompiled JSONata expression doing the same, on the real S/4HANA fixture (order 164).
 * Prints messages per second with JSON.parse/stringify included and excluded, and ratios against
 * the floor (parse + stringify alone) and the peers, all variants of a case interleaved over several
 * rounds (bench/interleaved.ts), so load from other work on the machine hits them alike. A second case (mapping-fan-out.ts) runs a
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
import type { MappingCase } from './mapping-fan-out.ts';
import { loadLine, measure, median, options, pairedRatios, rateLine, ratioText } from './interleaved.ts';

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

async function sapCase(): Promise<MappingCase> {
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

  return {
    title: `mapping: SAP A_SalesOrder (${text.length} bytes) → canonical order, sap-order-to-order`,
    floor: { label: 'floor: parse + stringify only', run: () => JSON.stringify(JSON.parse(text)) },
    full: {
      compiled: { label: 'compiled mapping (interlace generate)', run: () => JSON.stringify(compiled(JSON.parse(text))) },
      hand: { label: 'hand-written TypeScript', run: () => JSON.stringify(handWritten(JSON.parse(text))) },
      jsonata: {
        label: 'JSONata (precompiled)',
        run: async () => JSON.stringify(await expression.evaluate(JSON.parse(text))),
        async: true,
      },
    },
    step: {
      compiled: { label: 'compiled mapping (interlace generate)', run: () => compiled(fixture) },
      hand: { label: 'hand-written TypeScript', run: () => handWritten(fixture) },
      jsonata: { label: 'JSONata (precompiled)', run: () => expression.evaluate(fixture), async: true },
    },
  };
}

/** Measures one case (all seven variants interleaved) and prints rates and paired ratios. */
async function report(c: MappingCase, full: string): Promise<{ hand: number; jsonata: number }> {
  const o = options();
  const variants = [c.floor, c.full.compiled, c.full.hand, c.full.jsonata, c.step.compiled, c.step.hand, c.step.jsonata];
  console.log(c.title);
  console.log(
    `  ${o.rounds} rounds × ${o.sliceMs} ms of CPU per variant, interleaved; median msg per CPU-second [min–max]; ${loadLine()} before`,
  );
  const [floor, compiledFull, handFull, jsonataFull, compiledOnly, handOnly, jsonataOnly] = await measure(variants, o);
  console.log(full);
  for (const m of [floor!, compiledFull!, handFull!, jsonataFull!]) console.log(rateLine(m));
  console.log('mapping step only (input already parsed, output not serialized)');
  for (const m of [compiledOnly!, handOnly!, jsonataOnly!]) console.log(rateLine(m));
  const hand = pairedRatios(compiledFull!, handFull!);
  const jsonataStep = pairedRatios(compiledOnly!, jsonataOnly!);
  console.log(`ratios (median of per-round ratios [min–max]; ${loadLine()} after)`);
  console.log(`  compiled / floor (with parse+stringify)      ${ratioText(pairedRatios(compiledFull!, floor!))}`);
  console.log(`  compiled / hand-written, with               ${ratioText(hand)}   target ≥ 0.90×`);
  console.log(`  compiled / hand-written, step only          ${ratioText(pairedRatios(compiledOnly!, handOnly!))}`);
  console.log(`  compiled / JSONata, with                    ${ratioText(pairedRatios(compiledFull!, jsonataFull!), 1)}`);
  console.log(`  compiled / JSONata, step only               ${ratioText(jsonataStep, 1)}   target ≥ 100×`);
  console.log('');
  return { hand: median(hand), jsonata: median(jsonataStep) };
}

export async function run(): Promise<void> {
  console.log(`Node ${process.version}`);
  const sap = await report(await sapCase(), 'with JSON.parse + JSON.stringify');
  const fan = await report(await fanOutCase(), 'with JSON.parse + JSON.stringify of each output');
  const missed = [
    ...(sap.hand < 0.9 ? ['SAP: compiled / hand-written with parse+stringify < 0.90×'] : []),
    ...(sap.jsonata < 100 ? ['SAP: compiled / JSONata step < 100×'] : []),
    ...(fan.hand < 0.9 ? ['fan-out: compiled / hand-written with parse+stringify < 0.90×'] : []),
    ...(fan.jsonata < 100 ? ['fan-out: compiled / JSONata step < 100×'] : []),
  ];
  console.log(missed.length === 0 ? 'targets (issue 14): all met' : `targets (issue 14) missed: ${missed.join('; ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
