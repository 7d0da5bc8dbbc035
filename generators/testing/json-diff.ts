/** One difference between expected and actual output, by JSON path (`$.lines[0].quantity`). */
export interface JsonDifference {
  path: string;
  kind: 'missing' | 'unexpected' | 'changed';
  expected?: unknown;
  actual?: unknown;
}

function step(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/**
 * Compares two JSON values. Numbers compare by value (`12.5` equals `12.50` once parsed); object key
 * order does not matter; list order does. Keys whose value is undefined count as absent, as in JSON.
 */
export function diffJson(expected: unknown, actual: unknown, path = '$', out: JsonDifference[] = [], limit = 50): JsonDifference[] {
  if (out.length >= limit) return out;
  if (expected === actual) return out;
  const bothArrays = Array.isArray(expected) && Array.isArray(actual);
  const bothObjects = isObject(expected) && isObject(actual);
  if (bothArrays) {
    const a = expected as unknown[];
    const b = actual as unknown[];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (i >= b.length) out.push({ path: step(path, i), kind: 'missing', expected: a[i] });
      else if (i >= a.length) out.push({ path: step(path, i), kind: 'unexpected', actual: b[i] });
      else diffJson(a[i], b[i], step(path, i), out, limit);
    }
    return out;
  }
  if (bothObjects) {
    const a = expected as Record<string, unknown>;
    const b = actual as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) {
      const inA = Object.hasOwn(a, key) && a[key] !== undefined;
      const inB = Object.hasOwn(b, key) && b[key] !== undefined;
      if (inA && !inB) out.push({ path: step(path, key), kind: 'missing', expected: a[key] });
      else if (!inA && inB) out.push({ path: step(path, key), kind: 'unexpected', actual: b[key] });
      else if (inA && inB) diffJson(a[key], b[key], step(path, key), out, limit);
    }
    return out;
  }
  out.push({ path, kind: 'changed', expected, actual });
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `$.lines[0].quantity: expected 2, got "2"`. */
export function describeDifference(d: JsonDifference): string {
  const show = (v: unknown) => {
    const text = JSON.stringify(v);
    return text === undefined ? 'undefined' : text.length > 60 ? `${text.slice(0, 57)}...` : text;
  };
  if (d.kind === 'missing') return `${d.path}: expected ${show(d.expected)}, but it is missing`;
  if (d.kind === 'unexpected') return `${d.path}: not expected, got ${show(d.actual)}`;
  return `${d.path}: expected ${show(d.expected)}, got ${show(d.actual)}`;
}
