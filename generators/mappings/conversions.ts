import { unitFactor } from '../support/units.ts';
import { jsonLiteral } from '../shared/naming.ts';
import { isTimeZone } from '../support/date-patterns.ts';

/** What a rule's `convert:` holds (schema: mapping.schema.json#/$defs/rule/properties/convert). */
export interface ConvertSpec {
  trimLeadingZeros?: boolean;
  padStart?: { length: number; char?: string };
  number?: string;
  date?: string;
  /** The IANA zone whose calendar date a date-time lands on in a `format: date` field. */
  zone?: string;
  unit?: { from: string; to: string };
  case?: 'upper' | 'lower';
  trim?: boolean;
}

export type ConversionResult = { ok: true; code: string } | { ok: false; message: string; hint: string; key: string };

/**
 * Wraps a value expression in the conversions a rule asks for, in a fixed order: clean the text
 * (trim, case, leading zeros, padding), then parse it (number, date), then scale it (unit).
 * `dateOutput` comes from the target field's schema format, so `/Date(…)/` lands as `2019-03-18`
 * in a `format: date` field and as a full instant in a `format: date-time` one.
 */
export function applyConversions(
  value: string,
  convert: ConvertSpec,
  target: string,
  dateOutput: 'date' | 'date-time' | undefined,
  helper: (name: string) => string,
): ConversionResult {
  let code = value;
  const where = jsonLiteral(target);
  if (convert.trim) code = `${helper('trim')}(${code})`;
  if (convert.case === 'upper') code = `${helper('upper')}(${code})`;
  if (convert.case === 'lower') code = `${helper('lower')}(${code})`;
  if (convert.trimLeadingZeros) code = `${helper('trimLeadingZeros')}(${code})`;
  if (convert.padStart)
    code = `${helper('padStart')}(${code}, ${Number(convert.padStart.length)}, ${jsonLiteral(convert.padStart.char ?? '0')})`;
  if (convert.number !== undefined) code = `${helper('toNumber')}(${code}, ${jsonLiteral(convert.number)}, ${where})`;
  if (convert.zone !== undefined && (convert.date === undefined || !isTimeZone(convert.zone)))
    return {
      ok: false,
      key: 'zone',
      message:
        convert.date === undefined
          ? '`zone` applies to `date`: it names the zone whose calendar date an instant lands on'
          : `'${convert.zone}' is not an IANA time zone this runtime knows`,
      hint: "Write an IANA zone name such as 'America/New_York' or 'Europe/Berlin' next to `date:`.",
    };
  if (convert.date !== undefined) {
    const output = dateOutput ?? (convert.date === 'yyyymmdd' || convert.date === 'yymmdd' ? 'date' : 'date-time');
    // With a zone, an instant written into a date field is that zone's calendar date (21:00 in New
    // York on the 3rd stays the 3rd); UTC otherwise.
    const zone = convert.zone !== undefined && convert.zone !== 'UTC' ? `, ${jsonLiteral(convert.zone)}` : '';
    code = `${helper('toDate')}(${code}, ${jsonLiteral(convert.date)}, ${jsonLiteral(output)}, ${where}${zone})`;
  }
  if (convert.unit) {
    const factor = unitFactor(convert.unit.from, convert.unit.to);
    if (factor === undefined) {
      return {
        ok: false,
        key: 'unit',
        message: `cannot convert ${JSON.stringify(convert.unit.from)} to ${JSON.stringify(convert.unit.to)}: they are not units of one dimension that Interlace knows`,
        hint: 'Use codes such as EA/PC/C62 (count), KG/G/LB/OZ (mass), M/CM/IN/FT (length), L/ML/GAL (volume); translate unit codes with a `lookup` instead.',
      };
    }
    code = `${helper('convertUnit')}(${code}, ${factor})`;
  }
  return { ok: true, code };
}
