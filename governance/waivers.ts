import { locate } from '../language/diagnostics/locate.ts';
import { identityOf } from '../language/validate/estate-index.ts';
import type { CheckDiagnostic } from './finding.ts';
import { findingFingerprint } from './finding.ts';
import type { Waiver } from './policy-config.ts';

/**
 * Removes the findings that a current waiver covers (by rule and target, or by fingerprint), and
 * reports waivers that expired or match nothing. When the estate is checked against a base (a pull
 * request, the controller's last applied revision), an expired waiver covers nothing and is itself an
 * error, so an exception cannot outlive what was approved. Without a base there is no change to
 * judge, only the wall clock: an expired waiver is then a warning and still covers its findings, so
 * an estate that was valid when it was written does not start failing on a date (no date bombs).
 */
export function applyWaivers(
  findings: readonly CheckDiagnostic[],
  waivers: readonly Waiver[],
  today: string,
  options: { enforceExpiry: boolean } = { enforceExpiry: true },
): { diagnostics: CheckDiagnostic[]; used: { waiver: Waiver; findings: CheckDiagnostic[] }[] } {
  const used = new Map<Waiver, CheckDiagnostic[]>();
  const problems: CheckDiagnostic[] = [];
  const active = waivers.filter((waiver) => {
    if (waiver.expires >= today) return true;
    const what = `waiver for ${waiver.rule} on ${waiver.target ?? waiver.fingerprint} expired on ${waiver.expires}`;
    const renew = `Fix the findings it covered, or renew it with a new expiry approved by ${waiver.approver}.`;
    if (!options.enforceExpiry) {
      problems.push(waiverDiagnostic(waiver, 'waiver-expired', 'warning', `${what} (enforced when checked against a base)`, renew));
      return true;
    }
    problems.push(waiverDiagnostic(waiver, 'waiver-expired', 'error', what, renew));
    return false;
  });
  const remaining = findings.filter((finding) => {
    const waiver = active.find(
      (w) => w.rule === finding.code && (w.fingerprint ? w.fingerprint === finding.fingerprint : matchesTarget(w.target, finding.target)),
    );
    if (!waiver) return true;
    used.set(waiver, [...(used.get(waiver) ?? []), finding]);
    return false;
  });
  for (const waiver of active) {
    if (!used.has(waiver)) {
      problems.push(
        waiverDiagnostic(
          waiver,
          'waiver-unused',
          'warning',
          `waiver for ${waiver.rule} on ${waiver.target ?? waiver.fingerprint} matches no finding`,
          'Remove it: what it excused is fixed, or its rule or target is misspelt.',
        ),
      );
    }
  }
  return { diagnostics: [...remaining, ...problems], used: [...used].map(([waiver, covered]) => ({ waiver, findings: covered })) };
}

/** `DataContract/order@2` matches exactly; `DataContract/order` matches every major. */
function matchesTarget(target: string | undefined, identity: string): boolean {
  if (!target) return false;
  return target === identity || (!target.includes('@') && identity.startsWith(`${target}@`));
}

function waiverDiagnostic(waiver: Waiver, code: string, severity: 'error' | 'warning', message: string, hint: string): CheckDiagnostic {
  const { doc, path } = waiver.source;
  return {
    code,
    severity,
    message,
    hint,
    file: doc.source.file,
    path,
    range: locate(doc.source, path),
    target: identityOf(doc),
    fingerprint: findingFingerprint({ rule: code, doc, path, discriminator: `${waiver.rule}:${waiver.target ?? waiver.fingerprint}` }),
  };
}
