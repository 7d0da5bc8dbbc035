/**
 * Factors between units of measure, by dimension. Codes are the ones ERPs and EDI use (SAP internal
 * and ISO codes, X12 355 codes, UN/ECE Rec 20): `PC`, `EA` and `C62` are all "one piece".
 * The generator looks factors up at build time, so an unknown pair is a diagnostic, not a runtime error.
 */
const DIMENSIONS: Record<string, Record<string, number>> = {
  count: { EA: 1, PC: 1, PCE: 1, ST: 1, C62: 1, H87: 1, UN: 1, DZ: 12, DZN: 12, GRO: 144, GR: 144 },
  mass: {
    KG: 1,
    KGM: 1,
    G: 0.001,
    GRM: 0.001,
    GM: 0.001,
    MG: 0.000001,
    LB: 0.45359237,
    LBR: 0.45359237,
    OZ: 0.028349523125,
    ONZ: 0.028349523125,
    T: 1000,
    TNE: 1000,
    TO: 1000,
  },
  length: {
    M: 1,
    MTR: 1,
    CM: 0.01,
    CMT: 0.01,
    MM: 0.001,
    MMT: 0.001,
    KM: 1000,
    KMT: 1000,
    IN: 0.0254,
    INH: 0.0254,
    FT: 0.3048,
    FOT: 0.3048,
    YD: 0.9144,
    YRD: 0.9144,
  },
  volume: { L: 1, LTR: 1, ML: 0.001, MLT: 0.001, M3: 1000, MTQ: 1000, GAL: 3.785411784, GLL: 3.785411784, GA: 3.785411784 },
};

/** The factor that turns a quantity in `from` into one in `to`, or undefined when they do not convert. */
export function unitFactor(from: string, to: string): number | undefined {
  const f = from.toUpperCase();
  const t = to.toUpperCase();
  for (const units of Object.values(DIMENSIONS)) {
    const a = Object.hasOwn(units, f) ? units[f] : undefined;
    const b = Object.hasOwn(units, t) ? units[t] : undefined;
    if (a !== undefined && b !== undefined) return a / b;
  }
  return undefined;
}

/** Multiplies by a unit factor and drops binary noise past 12 significant digits (5 KG → 11.0231131 LB). */
export function convertUnit<T extends number | null | undefined>(value: T, factor: number): T {
  if (value === null || value === undefined || factor === 1) return value;
  return Number(((value as number) * factor).toPrecision(12)) as T;
}
