/** How a CSV's numbers are written: the decimal separator and, if the file groups thousands, their separator. */
export interface NumberFormat {
  decimal: '.' | ',';
  /** Absent: digits are not grouped. `' '` also accepts the no-break space U+00A0 and the narrow one U+202F. */
  thousands?: '.' | ',' | ' ' | "'" | undefined;
}

const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SPACE_GROUP = '[ \\u00a0\\u202f]';

/** The thousands separator as a pattern (a space also matches the no-break spaces), or undefined. */
function separatorOf(format: NumberFormat): string | undefined {
  return format.thousands === undefined ? undefined : format.thousands === ' ' ? SPACE_GROUP : literal(format.thousands);
}

function patternOf(format: NumberFormat): RegExp {
  const sep = separatorOf(format);
  const integer = sep === undefined ? '\\d+' : `\\d{1,3}(?:${sep}\\d{3})+|\\d+`;
  // An exponent (1.5e3) only with the decimal point, as programs write it; never with a decimal comma.
  const exponent = format.decimal === '.' ? '(?:[eE][-+]?\\d+)?' : '';
  return new RegExp(`^(?:${integer})(?:${literal(format.decimal)}\\d+)?${exponent}$`);
}

const patterns = new Map<string, RegExp>();
function cachedPattern(format: NumberFormat): RegExp {
  const key = `${format.decimal}${format.thousands ?? ''}`;
  let pattern = patterns.get(key);
  if (!pattern) {
    pattern = patternOf(format);
    patterns.set(key, pattern);
  }
  return pattern;
}

function example(format: NumberFormat): string {
  const t = format.thousands ?? '';
  return `-1${t}234${t}567${format.decimal}89`;
}

/**
 * A CSV cell as a number, or why it is not one. Accepted around the digits: spaces (any Unicode
 * space), a leading `+` or `-`, or a trailing `-` (SAP writes negative amounts `1.234,56-`). The
 * thousands separator only between groups of three digits (`1.234.567`; `12.34.5` is refused), and
 * digits may also go ungrouped (`1234567`). Anything else — letters, a second decimal separator, a
 * separator the format does not name — is not a number.
 */
export function readNumber(text: string, format: NumberFormat): { value: number } | { problem: string } {
  let body = text.trim();
  let negative = false;
  if (body.length > 1 && body.endsWith('-')) {
    negative = true;
    body = body.slice(0, -1);
  } else if (body.startsWith('-') || body.startsWith('+')) {
    negative = body.startsWith('-');
    body = body.slice(1);
  }
  const shown = `"${text.trim().slice(0, 40)}"`;
  if (format.thousands !== undefined && format.thousands === format.decimal)
    return { problem: `csv.thousands and csv.decimal are both "${format.decimal}", so ${shown} cannot be read` };
  if (cachedPattern(format).test(body)) {
    const plain = body.replace(/[ \u00a0\u202f.,']/g, (ch) => (ch === format.decimal ? '.' : ''));
    const value = Number(plain);
    if (Number.isFinite(value)) return { value: negative ? -value : value };
    return { problem: `${shown} is too large a number` };
  }
  // Digits and the thousands separator, then perhaps a decimal part: grouped, but not in threes.
  const sep = separatorOf(format);
  const grouped = sep !== undefined && new RegExp(`^\\d*${sep}\\d*(?:${sep}\\d*)*(?:${literal(format.decimal)}\\d+)?$`).test(body);
  if (grouped)
    return {
      problem: `${shown} has its thousands separator in the wrong place: "${format.thousands}" separates groups of three digits (${example(format)})`,
    };
  const other = format.decimal === ',' ? '.' : ',';
  const hint =
    format.thousands === undefined && /^\d{1,3}([.,' \u00a0\u202f]\d{3})+([.,]\d+)?$/.test(body)
      ? `; if the file groups thousands, set csv.thousands (${/[ \u00a0\u202f]/.test(body) ? '" "' : `"${[...body].find((ch) => /[.,']/.test(ch) && ch !== format.decimal) ?? other}"`})`
      : '';
  return { problem: `${shown} is not a number${format.decimal === ',' ? ' with a decimal comma' : ''}${hint}` };
}

/**
 * A number as a CSV cell: the decimal separator of the format and, only when it names one, the
 * thousands separator (a plain space for `' '`). Numbers JavaScript writes with an exponent keep it.
 */
export function writeNumber(value: number, format: NumberFormat): string {
  const text = String(value);
  const plain = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!plain) return format.decimal === ',' ? text.replace('.', ',') : text;
  const [, sign, integer = '', fraction] = plain;
  const grouped = format.thousands === undefined ? integer : integer.replace(/\B(?=(\d{3})+$)/g, format.thousands);
  return `${sign}${grouped}${fraction === undefined ? '' : `${format.decimal}${fraction}`}`;
}
