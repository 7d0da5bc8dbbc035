/**
 * String formats contract schemas may use, as ajv format definitions. The generator registers these
 * same objects with ajv when it writes standalone validators, so the code ajv emits matches what the
 * bundle provides at run time. Formats not listed here are accepted without a check.
 */
export interface FormatDefinition {
  type: 'string';
  validate: RegExp | ((value: string) => boolean);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?(z|[+-]([01]\d|2[0-3]):?[0-5]\d)?$/i;

function isDate(value: string): boolean {
  const match = DATE.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

function isDateTime(value: string): boolean {
  const parts = value.split(/t|\s/i);
  return parts.length === 2 && isDate(parts[0]!) && /(z|[+-]\d{2}:?\d{2})$/i.test(parts[1]!) && TIME.test(parts[1]!);
}

export const interlaceFormats: Record<string, FormatDefinition> = {
  date: { type: 'string', validate: isDate },
  time: { type: 'string', validate: TIME },
  'date-time': { type: 'string', validate: isDateTime },
  email: {
    type: 'string',
    validate:
      /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i,
  },
  uri: { type: 'string', validate: /^[a-z][a-z0-9+.-]*:[^\s]*$/i },
  'uri-reference': { type: 'string', validate: /^[^\s]*$/ },
  uuid: { type: 'string', validate: /^(?:urn:uuid:)?[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$/i },
  hostname: {
    type: 'string',
    validate: /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$/i,
  },
  ipv4: { type: 'string', validate: /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/ },
  duration: { type: 'string', validate: /^P(?!$)((\d+Y)?(\d+M)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?|(\d+W)?)$/ },
};
