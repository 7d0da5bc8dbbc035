/**
 * The words of each finding: one sentence saying what changed and why it breaks, and a hint saying
 * what to do. Both name the two schemas by their labels ("version 1.2.0", "the new version 2.0.0")
 * and stay neutral about which one is newer, because the same finding reads in both directions
 * (BACKWARD: the new version reads old data; FORWARD: old versions read new data).
 */

/** Everything a template may mention. */
export interface Details {
  /** The property name or keyword concerned. */
  name?: string;
  /** The reader's value of the keyword (a bound, a pattern, a list of types). */
  reader?: unknown;
  /** The writer's value of the keyword, undefined when the writer has none. */
  writer?: unknown;
  /** Values or types that the writer allows and the reader rejects. */
  lost?: unknown[];
  /** Free text completing the message (the closest alternative's differences, the writer's schema). */
  note?: string;
}

export interface Labels {
  readonly reader: string;
  readonly writer: string;
}

interface Text {
  message: string;
  hint: string;
}

type Template = (where: string, labels: Labels, d: Details) => Text;

const show = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));
const list = (values: unknown[] | undefined): string => (values ?? []).map((v) => JSON.stringify(v)).join(', ');
const types = (value: unknown): string => (Array.isArray(value) ? value.join(' | ') : value === undefined ? 'any type' : show(value));

/** A limit that the reader made stricter: one template for all the numeric keywords. */
function bound(what: string, unit: string): Template {
  return (where, { reader, writer }, d) => ({
    message: `${where} ${what} ${show(d.reader)}${unit} in ${reader}, stricter than ${d.writer === undefined ? 'no limit' : show(d.writer)} in ${writer}, so data written with ${writer} between the two limits would be rejected.`,
    hint: `Keep the old limit (loosening a limit is always safe for readers); tighten it only in a new major version, once every writer stays within ${show(d.reader)}.`,
  });
}

const TEMPLATES: Record<string, Template> = {
  'property-added-open': (where, { reader, writer }, d) => ({
    message: `${where} is constrained by ${reader} but not declared by ${writer}, whose object is open (additionalProperties is not false), so data written with ${writer} may already contain '${d.name}' with any value${d.note ? ` (${d.note})` : ''}, which ${reader} would reject.`,
    hint: `An open schema lets writers send undeclared properties with any type, so giving '${d.name}' a type or constraints can reject data that was valid before — this is why adding an optional field to an open schema is not backward compatible. Instead: declare '${d.name}' without constraints ({}); or close the object ("additionalProperties": false) in a new major version, after which optional properties can be added compatibly; or describe extra properties up front with "patternProperties"/"additionalProperties" schemas so that new fields matching them stay compatible.`,
  }),
  'property-removed-closed': (where, { reader, writer }) => ({
    message: `${where} is declared by ${writer} but not by ${reader}, which does not allow undeclared properties ("additionalProperties": false), so data written with ${writer} that contains it would be rejected.`,
    hint: `Keep the property declared (mark it "deprecated": true instead of removing it), or allow extra properties; removing a property from a closed schema needs a new major version.`,
  }),
  'required-added': (where, { reader, writer }) => ({
    message: `${where} is required by ${reader} but not by ${writer}, so data written with ${writer} may omit it and be rejected.`,
    hint: `Make it optional, or give the property a "default" (a required property with a default is treated as compatible, as in Confluent Schema Registry); otherwise require it only in a new major version.`,
  }),
  'type-narrowed': (where, { reader, writer }, d) => ({
    message: `${where} accepts ${types(d.reader)} in ${reader} but ${writer} allows ${types(d.writer)}, so values of type ${(d.lost ?? []).join(', ')} would be rejected.`,
    hint: `Keep accepting the old types (a "type" list such as ["string", "null"]) — widening is safe for readers, narrowing is not (integer to number is a widening; number to integer a narrowing); change a type only in a new major version.`,
  }),
  'enum-value-removed': (where, { reader, writer }, d) => ({
    message: `${where} no longer allows ${list(d.lost)} in ${reader}, but ${writer} allows ${(d.lost ?? []).length > 1 ? 'them' : 'it'}.`,
    hint: `Keep the old values in the enum (document them as deprecated) until no writer sends them; remove them in a new major version.`,
  }),
  'enum-added': (where, { reader, writer }, d) => ({
    message: `${where} is restricted to ${list(d.lost)} by ${reader}, but ${writer} allows other values there.`,
    hint: `Restricting an existing field to a list of values rejects data that was valid; document the expected values instead, or restrict them in a new major version.`,
  }),
  'const-added': (where, { reader, writer }, d) => ({
    message: `${where} must equal ${show(JSON.stringify(d.reader))} in ${reader}, but ${writer} allows other values there.`,
    hint: `Fixing the value of an existing field rejects data that was valid; do it only in a new major version.`,
  }),
  'const-changed': (where, { reader, writer }, d) => ({
    message: `${where} must equal ${JSON.stringify(d.reader)} in ${reader} but equals ${JSON.stringify(d.writer)} in ${writer}, so no data written with ${writer} is accepted there.`,
    hint: `Keep the old constant (or accept both values with an enum); change it only in a new major version.`,
  }),
  'min-length-increased': bound('must be at least', ' characters long'),
  'max-length-decreased': bound('may be at most', ' characters long'),
  'minimum-increased': bound('must be at least', ''),
  'maximum-decreased': bound('may be at most', ''),
  'exclusive-bound-tightened': (where, { reader, writer }, d) => ({
    message: `${where} must be ${show(d.reader)} in ${reader}, tighter than ${d.writer === undefined ? 'no bound' : show(d.writer)} in ${writer}, so values written with ${writer} at or beyond the new limit would be rejected.`,
    hint: `Keep the old bound (an inclusive bound is looser than an exclusive one at the same value); tighten it only in a new major version.`,
  }),
  'items-min-increased': bound('must have at least', ' items'),
  'items-max-decreased': bound('may have at most', ' items'),
  'properties-min-increased': bound('must have at least', ' properties'),
  'properties-max-decreased': bound('may have at most', ' properties'),
  'unique-items-added': (where, { reader, writer }) => ({
    message: `${where} must not contain duplicates in ${reader} ("uniqueItems": true), but ${writer} allows them.`,
    hint: `Deduplicate in the reader instead of rejecting, or require unique items only in a new major version.`,
  }),
  'multiple-of-changed': (where, { reader, writer }, d) => ({
    message: `${where} must be a multiple of ${show(d.reader)} in ${reader}, but ${writer} allows ${d.writer === undefined ? 'any number' : `multiples of ${show(d.writer)}`}.`,
    hint: `Use a step that divides the old one (e.g. 0.01 where 0.1 was allowed), or change it in a new major version.`,
  }),
  'pattern-added': (where, { reader, writer }) => ({
    message: `${where} must match a pattern in ${reader} that ${writer} did not have, so strings written with ${writer} may not match it.`,
    hint: `Validate the format downstream instead, or add the pattern only in a new major version.`,
  }),
  'pattern-changed': (where, { reader, writer }, d) => ({
    message: `${where} must match /${show(d.reader)}/ in ${reader} instead of /${show(d.writer)}/ in ${writer}, and the checker cannot prove that every string matching the old pattern matches the new one.`,
    hint: `Keep the old pattern; if the new one only widens it, keep the old pattern anyway or accept the finding with a waiver (the inclusion of regular expressions is not checked).`,
  }),
  'format-added': (where, { reader, writer }, d) => ({
    message: `${where} must be a valid ${show(d.reader)} in ${reader}, but ${writer} does not require that format.`,
    hint: `Validators generated from this contract assert formats; add the format only in a new major version, or describe the format in "description".`,
  }),
  'format-changed': (where, { reader, writer }, d) => ({
    message: `${where} must be a valid ${show(d.reader)} in ${reader} instead of ${show(d.writer)} in ${writer}.`,
    hint: `Keep the old format; change it only in a new major version.`,
  }),
  'additional-properties-closed': (where, { reader, writer }, d) => ({
    message: `${where} rejects properties it does not declare in ${reader} ("additionalProperties": false), but ${writer} lets writers send ${d.note ?? 'undeclared properties'}.`,
    hint: `Closing an open schema is not compatible: data written with the open schema may carry any extra property. Keep it open, or close it in a new major version.`,
  }),
  'additional-properties-narrowed': (where, { reader, writer }) => ({
    message: `${where} constrains undeclared properties in ${reader} ("additionalProperties" schema), but ${writer} allows them with any value.`,
    hint: `Keep "additionalProperties" unconstrained, or constrain it only in a new major version.`,
  }),
  'pattern-properties-added': (where, { reader, writer }, d) => ({
    message: `${where} constrains properties whose names match /${d.name}/ in ${reader}, but ${writer} may send such properties with other values.`,
    hint: `Old writers of an open schema may already send properties with matching names; loosen the patternProperties schema, or add it in a new major version.`,
  }),
  'property-names-narrowed': (where, { reader, writer }) => ({
    message: `${where} restricts property names ("propertyNames") in ${reader} more than ${writer} does.`,
    hint: `Keep the old property-name rule, or tighten it only in a new major version.`,
  }),
  'dependent-required-added': (where, { reader, writer }, d) => ({
    message: `${where} requires ${list(d.lost)} whenever '${d.name}' is present in ${reader}, but ${writer} does not.`,
    hint: `Make the dependency optional, or add it only in a new major version.`,
  }),
  'contains-added': (where, { reader, writer }) => ({
    message: `${where} must contain a matching element ("contains") in ${reader}, which ${writer} does not require.`,
    hint: `Drop the "contains" requirement, or add it only in a new major version.`,
  }),
  'contains-changed': (where, { reader, writer }) => ({
    message: `${where} has a stricter "contains" requirement in ${reader} than in ${writer}.`,
    hint: `Keep the old "contains" rule, or change it only in a new major version.`,
  }),
  'combinator-branch-removed': (where, { reader, writer }, d) => ({
    message: `${where}: alternative ${d.name} of ${writer} is not accepted by any alternative of ${reader}${d.note ? ` (${d.note})` : ''}.`,
    hint: `Keep the alternative: adding anyOf/oneOf alternatives is compatible for readers, removing or narrowing one is not; remove it only in a new major version.`,
  }),
  'combinator-added': (where, { reader, writer }, d) => ({
    message: `${where} must match one of the ${d.name ?? 'anyOf/oneOf'} alternatives in ${reader}, but none accepts everything ${writer} allows${d.note ? ` (${d.note})` : ''}.`,
    hint: `Add an alternative that accepts the old shape, or introduce the choice in a new major version.`,
  }),
  'not-added': (where, { reader, writer }) => ({
    message: `${where} has a "not" constraint in ${reader} that ${writer} does not guarantee, so some data written with ${writer} may be rejected.`,
    hint: `Drop the "not", or add it only in a new major version.`,
  }),
  'schema-false': (where, { reader, writer }) => ({
    message: `${where} accepts nothing in ${reader} (schema false), but ${writer} allows values there.`,
    hint: `Accept the old values, or remove the field in a new major version.`,
  }),
  'constraint-changed': (where, { reader, writer }, d) => ({
    message: `${where} has a "${d.name}" constraint in ${reader} that differs from ${writer}; the checker does not reason about "${d.name}" and reports any change to it.`,
    hint: `Keep "${d.name}" unchanged, or confirm the change is safe and record a waiver.`,
  }),
  'too-complex': (where, { reader, writer }) => ({
    message: `${where}: comparing ${reader} with ${writer} took too many steps (deeply nested anyOf/oneOf), so compatibility could not be proven.`,
    hint: `Simplify the alternatives (fewer nested anyOf/oneOf), or review the change by hand and record a waiver.`,
  }),
};

/** Message and hint of a finding. */
export function explain(change: string, field: string, labels: Labels, details: Details): Text {
  const where = field === '' ? 'The root value' : `'${field}'`;
  const template = TEMPLATES[change];
  if (!template) throw new Error(`no message for change '${change}'`);
  return template(where, labels, details);
}
