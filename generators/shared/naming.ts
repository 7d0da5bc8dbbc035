/**
 * Every name in generated code comes from here. Spec names are DNS labels and field names are free
 * text; neither is ever pasted into code. Type and function names are made from the letters and
 * digits of a validated name; property names are used as identifiers only when they are plain ASCII
 * identifiers, and are otherwise written as JSON string literals.
 */

import { isReservedPropertyName } from '../../language/schema/field-path.ts';

const PLAIN_IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `sap-sales-order` → `SapSalesOrder`. Only for validated DNS labels; anything else is a bug upstream. */
export function pascalCase(dnsLabel: string): string {
  if (!DNS_LABEL.test(dnsLabel)) throw new Error(`not a DNS label: ${JSON.stringify(dnsLabel)}`);
  const words = dnsLabel.split('-').filter(Boolean);
  const joined = words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
  // An identifier cannot start with a digit (`3pl-order` → `_3plOrder`).
  return /^[0-9]/.test(joined) ? `_${joined}` : joined;
}

/** `sap-sales-order` → `sapSalesOrder`. */
export function camelCase(dnsLabel: string): string {
  const pascal = pascalCase(dnsLabel);
  return pascal.startsWith('_') ? pascal : pascal[0]!.toLowerCase() + pascal.slice(1);
}

/** The TypeScript type of a contract major: `order@2` → `OrderV2`. */
export function contractTypeName(name: string, major: number): string {
  return `${pascalCase(name)}V${major}`;
}

/** The validator of a contract major: `order@2` → `validateOrderV2`. */
export function validatorName(name: string, major: number): string {
  return `validate${contractTypeName(name, major)}`;
}

/** The function a mapping compiles to: `sap-order-to-order` → `mapSapOrderToOrder`. */
export function mappingFunctionName(mappingName: string): string {
  return `map${pascalCase(mappingName).replace(/^_/, '')}`;
}

/** True when a property name may be written as `obj.name` (and as a bare key) in generated code. */
export function isPlainIdentifier(name: string): boolean {
  return PLAIN_IDENTIFIER.test(name) && !isReservedPropertyName(name);
}

/** Property names the generator refuses: they would reach Object.prototype instead of the data. */
export function isUnsafePropertyName(name: string): boolean {
  return isReservedPropertyName(name);
}

/** `.name` or `["weird name"]`: property access that can never break out of the expression. */
export function propertyAccess(name: string, optional: boolean): string {
  if (isPlainIdentifier(name)) return `${optional ? '?.' : '.'}${name}`;
  return `${optional ? '?.' : ''}[${jsonLiteral(name)}]`;
}

/** An object-literal key: bare when plain, else a computed JSON string (which defines an own property even for `__proto__`). */
export function propertyKey(name: string): string {
  return isPlainIdentifier(name) ? name : `[${jsonLiteral(name)}]`;
}

/**
 * A value as a JavaScript literal. JSON is a subset of JavaScript (since ES2019 also for U+2028/9),
 * so any JSON text is a safe expression; `</` and the line separators are escaped anyway so the
 * output stays valid in every context a bundle may be embedded in.
 */
export function jsonLiteral(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return 'undefined';
  return text.replace(/[\u2028\u2029]|<\//g, (m) => (m === '</' ? '<\\/' : `\\u${m.charCodeAt(0).toString(16)}`));
}
