import { parse, plan, celEnv, isCelError } from '@bufbuild/cel';
import type { PathSegment, Severity } from '../language/diagnostics/diagnostic.ts';
import type { EstateIndex, SpecDocument } from '../language/validate/estate-index.ts';
import { didYouMean } from '../lib/did-you-mean.ts';
import type { Scope as PolicyScope } from '../language/kinds/generated/kinds.ts';
import type { RuleDefinition } from './rule.ts';
import { checkRuleParams } from './rule-params.ts';

/** Which documents a rule applies to, as a Policy writes it (the Policy kind's `Scope`). */
export type Scope = PolicyScope;

/** How the estate's Policy documents configure one built-in rule. */
export interface RuleSettings {
  severity: Severity | 'off';
  params: Record<string, unknown>;
  scope?: Scope;
  /** Where it was configured, for findings about the configuration itself. */
  source?: { doc: SpecDocument; path: PathSegment[] };
}

export interface CustomRule {
  id: string;
  severity: Severity;
  scope?: Scope;
  message: string;
  hint: string;
  evaluate: (doc: Record<string, unknown>) => { ok: true; value: boolean } | { ok: false; error: string };
  source: { doc: SpecDocument; path: PathSegment[] };
}

export interface Waiver {
  rule: string;
  target?: string;
  fingerprint?: string;
  reason: string;
  approver: string;
  expires: string;
  source: { doc: SpecDocument; path: PathSegment[] };
}

export interface PolicyProblem {
  code: 'policy-unknown-rule' | 'policy-rule-conflict' | 'policy-param-invalid';
  doc: SpecDocument;
  path: PathSegment[];
  message: string;
  hint: string;
}

export interface PolicyConfig {
  settings: Map<string, RuleSettings>;
  custom: CustomRule[];
  waivers: Waiver[];
  problems: PolicyProblem[];
}

/**
 * Merges the estate's Policy documents (in name order; a later document overrides an earlier one for
 * the same rule) over the built-in defaults. Custom CEL rules are planned once here.
 */
export function readPolicies(index: EstateIndex, rules: readonly RuleDefinition[]): PolicyConfig {
  const builtIn = new Map(rules.map((rule) => [rule.id, rule]));
  const settings = new Map<string, RuleSettings>(
    rules.map((rule) => [
      rule.id,
      {
        severity: rule.defaultSeverity,
        params: Object.fromEntries(Object.entries(rule.params ?? {}).map(([key, param]) => [key, param.default])),
      },
    ]),
  );
  const custom: CustomRule[] = [];
  const waivers: Waiver[] = [];
  const problems: PolicyProblem[] = [];
  const policies = index.ofKind('Policy').sort((a, b) => (a.name < b.name ? -1 : 1));
  const env = celEnv();

  for (const doc of policies) {
    (doc.spec.rules ?? []).forEach((entry, i) => {
      const path: PathSegment[] = ['spec', 'rules', i];
      const known = builtIn.get(entry.id);
      if (entry.expr !== undefined) {
        if (known) {
          problems.push({
            code: 'policy-rule-conflict',
            doc,
            path: [...path, 'id'],
            message: `custom rule id "${entry.id}" is the id of a built-in rule`,
            hint: 'Give the custom rule its own id.',
          });
          return;
        }
        if (entry.severity === 'off') return;
        let evaluate: CustomRule['evaluate'];
        const expr = entry.expr;
        try {
          const run = plan(env, parse(expr));
          evaluate = (value) => {
            const result = run({ doc: value } as never);
            if (isCelError(result)) return { ok: false, error: result.message };
            return { ok: true, value: result === true };
          };
        } catch (error) {
          // The validator already reported the syntax error at its position.
          evaluate = () => ({ ok: false, error: (error as Error).message });
        }
        custom.push({
          id: entry.id,
          severity: entry.severity ?? 'error',
          scope: entry.scope,
          evaluate,
          source: { doc, path },
          message: entry.message ?? `custom rule ${entry.id} is not satisfied: ${entry.expr}`,
          hint: entry.hint ?? `Make \`${entry.expr}\` true for this document, or ask the policy owner for a waiver.`,
        });
        return;
      }
      if (!known) {
        const suggestion = didYouMean(entry.id, builtIn.keys());
        problems.push({
          code: 'policy-unknown-rule',
          doc,
          path: [...path, 'id'],
          message: `no built-in rule "${entry.id}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
          hint: suggestion ? `Write \`id: ${suggestion}\`.` : 'A custom rule needs an `expr`; built-in rules are listed in docs/rules.md.',
        });
        return;
      }
      const current = settings.get(entry.id)!;
      const params = checkRuleParams(known, entry.params, [...path, 'params']);
      for (const problem of params.problems) problems.push({ code: 'policy-param-invalid', doc, ...problem });
      settings.set(entry.id, {
        severity: entry.severity ?? current.severity,
        params: { ...current.params, ...params.accepted },
        scope: entry.scope ?? current.scope,
        source: { doc, path },
      });
    });
    (doc.spec.waivers ?? []).forEach((entry, i) => {
      waivers.push({
        rule: entry.rule,
        target: entry.target,
        fingerprint: entry.fingerprint,
        reason: entry.reason,
        approver: entry.approver,
        expires: entry.expires,
        source: { doc, path: ['spec', 'waivers', i] },
      });
    });
  }
  return { settings, custom, waivers, problems };
}

/** Whether a document is inside a rule's scope (no scope: every document). */
export function inScope(scope: Scope | undefined, doc: SpecDocument): boolean {
  if (!scope) return true;
  if (scope.kinds && !scope.kinds.includes(doc.kind)) return false;
  if (scope.names && !scope.names.some((pattern) => wildcard(pattern).test(doc.name))) return false;
  const labels = (doc.source.value.metadata as { labels?: Record<string, string> } | undefined)?.labels ?? {};
  if (scope.labels && !Object.entries(scope.labels).every(([key, value]) => labels[key] === value)) return false;
  return true;
}

function wildcard(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
}
