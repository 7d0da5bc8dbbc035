import { readFieldPath } from '../../observe/business-keys.ts';
import { checkFileName } from './file-sink.ts';

/** Thrown when a template cannot be filled from a payload (a missing key): the message is permanent. */
export class FileNameUnfilled extends Error {
  override readonly name = 'FileNameUnfilled';
}

const PLACEHOLDER = /\{([^{}]{1,100})\}/g;
/** A placeholder made only of date letters with at least one whole token is a date pattern (`{yyyyMMdd}`). */
const DATE_PATTERN = /^(?=.*(?:yyyy|MM|dd|HH|mm|ss))[yMdHms_-]+$/;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `yyyy MM dd HH mm ss` of `at` in UTC (a file name must not depend on the pod's zone). */
function formatDate(pattern: string, at: Date): string {
  return pattern
    .replace(/yyyy/g, String(at.getUTCFullYear()))
    .replace(/MM/g, pad(at.getUTCMonth() + 1))
    .replace(/dd/g, pad(at.getUTCDate()))
    .replace(/HH/g, pad(at.getUTCHours()))
    .replace(/mm/g, pad(at.getUTCMinutes()))
    .replace(/ss/g, pad(at.getUTCSeconds()));
}

/**
 * One value made safe inside a file name: characters other than letters, digits, `.`, `_` and `-`
 * become `_`, runs of dots collapse (no `..`), leading dots go, at most 100 characters. So a business
 * key of `../../etc/passwd` writes `_._etc_passwd`, never outside the directory; nothing left is `_`.
 */
export function sanitiseFileNamePart(value: string): string {
  return (
    value
      .normalize('NFKC')
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/\.{2,}/g, '.')
      .replace(/^\.+/, '')
      .slice(0, 100) || '_'
  );
}

/**
 * Fills a file-name template (`{invoiceNumber}-{yyyyMMdd}.csv`): a placeholder names a business key of
 * the target contract (`businessKeys`, name → field path), else a field path into the payload
 * (`customer.id`), else it is a date pattern of `at` in UTC (`yyyy`, `MM`, `dd`, `HH`, `mm`, `ss`);
 * `{messageHash}` is 12 hex digits of the message's idempotency key (unique per message).
 * Values are sanitised (sanitiseFileNamePart) and the result checked as one plain name.
 */
export function fillFileName(
  template: string,
  payload: unknown,
  businessKeys: Readonly<Record<string, string | undefined>>,
  at: Date,
  messageHash?: string,
): string {
  const name = template.replace(PLACEHOLDER, (_whole, inner: string) => {
    const key = inner.trim();
    if (key === 'messageHash' && messageHash !== undefined) return messageHash;
    const path = Object.hasOwn(businessKeys, key) ? (businessKeys[key] ?? key) : key;
    const values = readFieldPath(payload, path).filter((v) => v !== '');
    if (values.length > 0) return sanitiseFileNamePart(values.join('_'));
    if (DATE_PATTERN.test(key)) return formatDate(key, at);
    throw new FileNameUnfilled(`the file name ${template} needs {${key}}, and the payload has no value for ${path}`);
  });
  return checkFileName(name);
}
