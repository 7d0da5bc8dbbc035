/**
 * The business keys a contract declares (`businessKeys: {order_number: orderNumber, warehouse:
 * lines[].warehouse}`), read from one payload. They go on log lines and span attributes — never on
 * metric labels, where one series per order would exhaust Prometheus (docs/observability.md).
 */

export type BusinessKeys = Record<string, string>;

/**
 * The business keys of a value by the ref of its contract (`order@2`), without those that read a pii or
 * confidential field (`unclassifiedBusinessKeys`): what the workflow engines' spans carry.
 */
export type ContractBusinessKeys = (contract: string, value: unknown) => BusinessKeys;

/** Reads one field path (`customer.number`, `lines[].warehouse`, `["@odata.etag"]`) as strings. */
export function readFieldPath(value: unknown, path: string): string[] {
  const segments = splitPath(path);
  let current: unknown[] = [value];
  for (const segment of segments) {
    const next: unknown[] = [];
    for (const item of current) {
      if (item === null || typeof item !== 'object' || !Object.hasOwn(item, segment.name)) continue;
      const child = (item as Record<string, unknown>)[segment.name];
      if (segment.list && Array.isArray(child)) next.push(...child);
      else next.push(child);
    }
    current = next;
  }
  const out: string[] = [];
  for (const item of current) if (item !== undefined && item !== null && typeof item !== 'object') out.push(String(item));
  return out;
}

const PATH_SEGMENT = /^(?:\["([^"]+)"\]|([A-Za-z_$][\w$-]*))(\[\])?\.?/;

function splitPath(path: string): { name: string; list: boolean }[] {
  const out: { name: string; list: boolean }[] = [];
  let rest = path;
  while (rest.length > 0) {
    const match = PATH_SEGMENT.exec(rest);
    if (!match) break;
    out.push({ name: match[1] ?? match[2]!, list: match[3] !== undefined });
    rest = rest.slice(match[0].length);
  }
  return out;
}

/**
 * The declared business keys of `payload`. A list path yields its distinct values joined by `,`
 * (an order with lines in two warehouses logs `warehouse: "DE01,US01"`); absent keys are left out.
 */
export function businessKeysOf(payload: unknown, declared: Readonly<Record<string, string | undefined>> | undefined): BusinessKeys {
  const out: BusinessKeys = {};
  if (!declared) return out;
  for (const [name, path] of Object.entries(declared)) {
    if (path === undefined) continue;
    const values = [...new Set(readFieldPath(payload, path))];
    if (values.length > 0) out[name] = values.slice(0, 10).join(',');
  }
  return out;
}

/** Business keys as span attributes (`interlace.business_key.<name>`): deliveries, workflow starts and steps alike. */
export function businessKeyAttributes(keys: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(keys)) out[`interlace.business_key.${name}`] = value;
  return out;
}

/** Classifications whose values never leave a payload as a business key (logs, span attributes, dead-letter keys). */
const PROTECTED_CLASSIFICATIONS: ReadonlySet<string> = new Set(['pii', 'confidential']);

/**
 * A contract's declared business keys without those that read a field classified `pii` or
 * `confidential` (the field itself or anything inside it): a contract that names `customer.email` a
 * business key still never puts an e-mail address on a span exported to a tracing backend.
 */
export function unclassifiedBusinessKeys(
  declared: Readonly<Record<string, string | undefined>> | undefined,
  classification: Readonly<Record<string, string | undefined>> | undefined,
): Record<string, string> | undefined {
  if (!declared) return undefined;
  const protectedPaths = Object.entries(classification ?? {})
    .filter(([, level]) => level !== undefined && PROTECTED_CLASSIFICATIONS.has(level))
    .map(([path]) => path);
  const out: Record<string, string> = {};
  for (const [name, path] of Object.entries(declared)) {
    if (path === undefined) continue;
    if (protectedPaths.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`))) continue;
    out[name] = path;
  }
  return out;
}
