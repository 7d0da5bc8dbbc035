import { linearRegExp } from '../../lib/linear-regexp.ts';
import type { EstateIndex, SpecDocument } from '../../language/validate/estate-index.ts';
import { identityOf } from '../../language/validate/estate-index.ts';
import type { Rule as MappingRule } from '../../language/kinds/generated/kinds.ts';
import type { SpecOf } from '../../language/kinds/kind-documents.ts';
import { defineRule, type RuleContext } from '../rule.ts';
import { listFields } from '../../language/schema/schema-walk.ts';
import { fieldsReadBy } from '../cel-reads.ts';

const DEFAULT_PII_FIELDS =
  '^(e-?mail(address)?|phone(number)?|mobile(phone)?|fax(number)?|telephone|first-?name|last-?name|full-?name|given-?name|family-?name|surname|contact-?(person|name)|person-?name|street(address)?|address-?line-?\\d*|postal-?code|zip(code)?|birth-?date|date-?of-?birth|ssn|social-?security-?number|tax-?id|national-?id|iban|passport(number)?)$';

export const piiClassifiedRule = defineRule({
  id: 'pii-classified',
  title: 'Fields that hold personal data are classified `pii` in their contract.',
  rationale:
    "Governance can only follow personal data through mappings and routes if it is marked where it is defined. No public ruleset does this; GDPR and CCPA make it a distributor's problem the day a dealer contact leaks.",
  defaultSeverity: 'error',
  kinds: ['DataContract'],
  params: {
    fieldPattern: {
      description: 'Field names (compared lower-case, without `_`) that hold personal data.',
      default: DEFAULT_PII_FIELDS,
      schema: { type: 'string', format: 'regex' },
    },
  },
  example: {
    pass: 'classification:\n  contact.email: pii',
    fail: 'schema:\n  properties:\n    contact: { properties: { email: { type: string } } }   # not classified',
  },
  evaluate: ({ documents, params, report }) => {
    // The engine checked that the pattern compiles on RE2 (`format: regex`), which runs in linear time.
    const pattern = linearRegExp(params.fieldPattern as string, 'i');
    for (const doc of documents) {
      const classification = doc.spec.classification ?? {};
      for (const field of listFields(doc.spec.schema)) {
        const normalized = field.name.replace(/_/g, '').toLowerCase();
        if (!pattern.test(normalized) && !pattern.test(field.name.toLowerCase())) continue;
        const covered = Object.entries(classification).some(
          ([path, level]) =>
            level === 'pii' && (field.path === path || field.path.startsWith(`${path}.`) || field.path.startsWith(`${path}[]`)),
        );
        if (!covered) {
          report(
            doc,
            ['spec', 'schema', ...field.pointer],
            `field \`${field.path}\` looks like personal data but is not classified \`pii\``,
            `Add \`${field.path}: pii\` under \`spec.classification\` (or rename the field if it holds no personal data).`,
            field.path,
          );
        }
      }
    }
  },
});

/** The classification levels that restrict where data may go. */
const RESTRICTED = ['pii', 'confidential'];

export const classifiedDataFlowRule = defineRule({
  id: 'classified-data-flow',
  title:
    'Classified fields flow only to systems allowed to hold them, following mappings (`from:`, `lookup:` and every field whose value an `expr:` passes on) and routes; mappings do not strip classification.',
  rationale:
    'A route that sends a canonical order with customer e-mail to an EDI partner, or a mapping that copies a pii field into an unclassified one, leaks data no review would spot in YAML alone.',
  defaultSeverity: 'error',
  kinds: ['Mapping', 'EventRoute'],
  example: {
    pass: '# shipment@1 has pii fields; route target system crm has allowedClassifications: [pii]',
    fail: '# route delivers order@2 (pii: customer.email) to edi-partner without allowedClassifications: [pii]',
  },
  evaluate: ({ documents, head, report }) => {
    for (const doc of documents) {
      if (doc.kind === 'Mapping') checkMappingKeepsClassification(doc, head, report);
      if (doc.kind !== 'EventRoute') continue;
      doc.spec.targets.forEach((target, i) => {
        if (typeof target.system !== 'string') return;
        const system = head.resolve('System', target.system);
        const contract = deliveredContract(doc, target, head);
        if (!system.ok || !contract) return;
        const allowed = new Set<string>(system.target.spec.allowedClassifications ?? []);
        const levels = classifiedLevels(contract);
        for (const [level, fields] of levels) {
          if (allowed.has(level)) continue;
          report(
            doc,
            ['spec', 'targets', i, 'system'],
            `target "${target.name}" sends ${level} data (${fields.slice(0, 3).join(', ')}${fields.length > 3 ? ', ...' : ''} of ${contract.name}@${contract.major}) to system ${system.target.name}, which may not hold ${level} data`,
            `Map to a contract without those fields for this system, or — if the system is approved for ${level} data — add \`${level}\` to its \`allowedClassifications\`.`,
            `${target.name}:${level}`,
          );
        }
      });
    }
  },
});

/** A route target as its kind's schema declares it. */
type RouteTarget = SpecOf<'EventRoute'>['targets'][number];

function classifiedLevels(contract: SpecDocument<'DataContract'>): Map<string, string[]> {
  const levels = new Map<string, string[]>();
  for (const [path, level] of Object.entries(contract.spec.classification ?? {})) {
    if (level === undefined || !RESTRICTED.includes(level)) continue;
    levels.set(level, [...(levels.get(level) ?? []), path]);
  }
  return levels;
}

function deliveredContract(
  route: SpecDocument<'EventRoute'>,
  target: RouteTarget,
  index: EstateIndex,
): SpecDocument<'DataContract'> | undefined {
  const resolveContract = (reference: unknown) => {
    if (typeof reference !== 'string') return undefined;
    const r = index.resolve('DataContract', reference);
    return r.ok ? r.target : undefined;
  };
  if (target.contract) return resolveContract(target.contract);
  if (typeof target.mapping === 'string') {
    const mapping = index.resolve('Mapping', target.mapping);
    return mapping.ok ? resolveContract(mapping.target.spec.to) : undefined;
  }
  return resolveContract(route.spec.source.contract);
}

/**
 * The restricted classifications a read of `field` takes along: the field's own (or an enclosing
 * object's), and every classified field below it (reading `customer` reads `customer.email`).
 */
function classifiedWithin(levels: Readonly<Record<string, string | undefined>>, field: string): { level: string; path: string }[] {
  const out: { level: string; path: string }[] = [];
  const inside = (path: string, parent: string) =>
    parent === '' || path === parent || path.startsWith(`${parent}.`) || path.startsWith(`${parent}[]`);
  for (const [classified, level] of Object.entries(levels)) {
    if (level === undefined || !RESTRICTED.includes(level)) continue;
    if (inside(field, classified)) out.push({ level, path: field });
    else if (inside(classified, field)) out.push({ level, path: classified });
  }
  return out;
}

/** A rule that copies a classified source field into a target field without that classification strips it. */
function checkMappingKeepsClassification(mapping: SpecDocument<'Mapping'>, index: EstateIndex, report: RuleContext['report']): void {
  const from = index.resolve('DataContract', mapping.spec.from);
  const to = index.resolve('DataContract', mapping.spec.to);
  if (!from.ok || !to.ok) return;
  const sourceLevels = from.target.spec.classification ?? {};
  const targetLevels = to.target.spec.classification ?? {};
  const visit = (rules: readonly MappingRule[], sourcePrefix: string, targetPrefix: string, at: (string | number)[]) => {
    rules.forEach((rule, i) => {
      const targetPath = `${targetPrefix}${rule.target}`;
      if (Array.isArray(rule.rules) && typeof rule.each === 'string') {
        visit(rule.rules, `${sourcePrefix}${listPath(rule.each)}[].`, `${targetPath}[].`, [...at, i, 'rules']);
        return;
      }
      const sourceField = typeof rule.from === 'string' ? rule.from : typeof rule.lookup?.from === 'string' ? rule.lookup.from : undefined;
      // `from:` names one field; an `expr:` may read several (`source.customer.email.lower()`).
      // `source` is the whole message even inside `each`; `item` is the current list element.
      const read = sourceField
        ? [`${sourcePrefix}${sourceField}`]
        : typeof rule.expr === 'string'
          ? fieldsReadBy(rule.expr, sourcePrefix === '' ? { source: '' } : { source: '', item: sourcePrefix.slice(0, -1) })
          : [];
      const classified = read.flatMap((field) => classifiedWithin(sourceLevels, field).map((c) => ({ field, ...c })));
      const worst = classified.sort((a, b) => RESTRICTED.indexOf(a.level) - RESTRICTED.indexOf(b.level))[0];
      if (!worst) return;
      const { level, path: sourcePath } = worst;
      // The target keeps the classification when its field, an enclosing object, or (for a value
      // an expression builds, like an X12 loop) a field inside it is classified at least as high.
      const kept = classifiedWithin(targetLevels, targetPath).some((c) => RESTRICTED.indexOf(c.level) <= RESTRICTED.indexOf(level));
      if (!kept) {
        const how = sourceField ? 'copies' : `reads (in \`expr\`)`;
        report(
          mapping,
          [...at, i, sourceField ? 'target' : 'expr'],
          `rule ${how} ${level} field \`${sourcePath}\` of ${from.target.name}@${from.target.major} into \`${targetPath}\`, which ${identityOf(to.target)} does not classify as ${level}`,
          `Classify \`${targetPath}: ${level}\` in ${to.target.name}@${to.target.major}, or do not map the field.`,
          targetPath,
        );
      }
    });
  };
  // A fan-out mapping's rules map one item of `each` (`from` is relative to it, `item` is it).
  const each = mapping.spec.each;
  visit(mapping.spec.rules ?? [], each === undefined ? '' : `${listPath(each)}[].`, '', ['spec', 'rules']);
}

/** A source path as classification names it: one item (`shipments[0]`) is a list item (`shipments[]`). */
function listPath(path: string): string {
  return path.replace(/\[[0-9]+\]/g, '[]');
}

export const credentialsBySecretRefRule = defineRule({
  id: 'credentials-by-secret-ref',
  title: 'Systems and APIs declare how they authenticate, with credentials only by secret reference.',
  rationale:
    'A system without declared auth is either open or configured outside Git, where nobody reviews it; inline credentials end up in Git history forever.',
  defaultSeverity: 'error',
  kinds: ['System', 'Api'],
  example: {
    pass: 'auth:\n  type: api-key\n  header: APIKey\n  secretRef: { name: legacy-erp-credentials, key: api-key }',
    fail: 'endpoint: { protocol: http, url: "https://erp.example.com" }   # no auth declared',
  },
  evaluate: ({ documents, report }) => {
    for (const doc of documents) {
      if (doc.kind === 'System' && (doc.spec.endpoint.protocol === 'http' || doc.spec.endpoint.protocol === 'edi-x12') && !doc.spec.auth) {
        report(
          doc,
          ['spec'],
          `system ${doc.name} does not declare how to authenticate`,
          'Add `auth: {type: ..., secretRef: {name: ..., key: ...}}`, or `auth: {type: none}` if it really needs none.',
        );
      }
      if (doc.kind === 'Api' && doc.spec.auth?.type === 'api-key' && !doc.spec.auth.keysSecretRef) {
        report(
          doc,
          ['spec', 'auth'],
          `API ${doc.name}@${doc.major} takes API keys but does not say where they are kept`,
          'Add `keysSecretRef: {name: <secret>}` holding the accepted keys.',
        );
      }
    }
  },
});
