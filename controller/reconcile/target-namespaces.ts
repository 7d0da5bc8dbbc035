/**
 * Where an Estate may write. The controller's ClusterRole can create Deployments in every namespace,
 * so an Estate's `targetNamespace` is a tenancy boundary: by default an Estate writes only to its own
 * namespace, and the cluster admin widens that with rules (`--allow-target-namespace`, the chart's
 * `controller.allowedTargetNamespaces`). Without this, anyone who can create an Estate could run
 * workers in `kube-system` that read its Secrets.
 */

/** `from=to`: Estates in namespace `from` may target namespace `to`; `*` on either side matches any. */
export interface TargetNamespaceRule {
  from: string;
  to: string;
}

const NAME = /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;

/** Parses `from=to` (e.g. `shop=shop-prod`, `*=sandbox`); returns an error message for anything else. */
export function parseTargetNamespaceRule(text: string): TargetNamespaceRule | { error: string } {
  const [from, to, extra] = text.trim().split('=');
  if (extra !== undefined || from === undefined || to === undefined || !NAME.test(from) || !NAME.test(to) || to.length > 63)
    return { error: `"${text.slice(0, 100)}" is not <estate-namespace>=<target-namespace> (namespace names or *)` };
  return { from, to };
}

/** May an Estate in `estateNamespace` write to `target`? Its own namespace always; others only by a rule. */
export function targetNamespaceAllowed(estateNamespace: string, target: string, rules: readonly TargetNamespaceRule[]): boolean {
  if (target === estateNamespace) return true;
  return rules.some((r) => (r.from === '*' || r.from === estateNamespace) && (r.to === '*' || r.to === target));
}
