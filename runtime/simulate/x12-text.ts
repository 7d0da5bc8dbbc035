/**
 * Writes a transaction set in the JSON form of docs/edi-x12.md back as X12 text, wrapped in an
 * ISA/GS envelope — what the EDI partner keeps as the document it received or sent. Segments come out
 * in the order of the JSON keys (which is the order of the guide), loops (`…Loop`) recursively.
 */

type Json = Record<string, unknown>;

const ELEMENT = '*';
const SEGMENT = '~';

function segment(id: string, elements: Json): string {
  const positions = Object.keys(elements)
    .map((k) => Number(k.slice(id.length)))
    .filter((n) => Number.isInteger(n) && n > 0);
  const max = Math.max(0, ...positions);
  const values: string[] = [];
  for (let i = 1; i <= max; i++) {
    const v = elements[`${id}${String(i).padStart(2, '0')}`];
    values.push(Array.isArray(v) ? v.join('>') : v === undefined ? '' : String(v));
  }
  return [id, ...values].join(ELEMENT) + SEGMENT;
}

function walk(node: Json, out: string[]): void {
  for (const [key, value] of Object.entries(node)) {
    if (key.endsWith('Loop')) {
      for (const loop of (Array.isArray(value) ? value : [value]) as Json[]) walk(loop, out);
    } else if (Array.isArray(value)) {
      for (const s of value as Json[]) out.push(segment(key, s));
    } else if (value && typeof value === 'object') {
      out.push(segment(key, value as Json));
    }
  }
}

/** The transaction set as X12 text in an interchange from `sender` to `receiver`. */
export function x12Text(
  transaction: Json,
  options: { sender: string; receiver: string; control: number; functionalId: string; at?: Date },
): string {
  const at = options.at ?? new Date();
  const yymmdd = at.toISOString().slice(2, 10).replaceAll('-', '');
  const hhmm = at.toISOString().slice(11, 16).replace(':', '');
  const control = String(options.control).padStart(9, '0');
  const body: string[] = [];
  walk(transaction, body);
  const lines = [
    `ISA*00*          *00*          *01*${options.sender.padEnd(15)}*01*${options.receiver.padEnd(15)}*${yymmdd}*${hhmm}*U*00401*${control}*0*P*>~`,
    `GS*${options.functionalId}*${options.sender}*${options.receiver}*20${yymmdd}*${hhmm}*${options.control}*X*004010VICS~`,
    ...body,
    `GE*1*${options.control}~`,
    `IEA*1*${control}~`,
  ];
  return lines.join('\n') + '\n';
}
