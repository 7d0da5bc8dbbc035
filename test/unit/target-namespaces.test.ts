import { describe, expect, it } from 'vitest';
import { parseTargetNamespaceRule, targetNamespaceAllowed } from '../../controller/reconcile/target-namespaces.ts';
import type { TargetNamespaceRule } from '../../controller/reconcile/target-namespaces.ts';

const rules = (...texts: string[]) => texts.map((t) => parseTargetNamespaceRule(t) as TargetNamespaceRule);

describe('target namespaces an Estate may write to', () => {
  it('by default only its own namespace: kube-system is refused', () => {
    expect(targetNamespaceAllowed('shop', 'shop', [])).toBe(true);
    expect(targetNamespaceAllowed('shop', 'kube-system', [])).toBe(false);
    expect(targetNamespaceAllowed('shop', 'other-tenant', [])).toBe(false);
  });

  it('the cluster admin widens it per Estate namespace, or for every Estate with *', () => {
    const allowed = rules('shop=shop-prod', '*=sandbox');
    expect(targetNamespaceAllowed('shop', 'shop-prod', allowed)).toBe(true);
    expect(targetNamespaceAllowed('billing', 'shop-prod', allowed)).toBe(false);
    expect(targetNamespaceAllowed('billing', 'sandbox', allowed)).toBe(true);
    expect(targetNamespaceAllowed('billing', 'kube-system', allowed)).toBe(false);
    expect(targetNamespaceAllowed('billing', 'kube-system', rules('*=*'))).toBe(true);
  });

  it('refuses rules that are not <estate-namespace>=<target-namespace>', () => {
    for (const bad of ['shop', 'shop=', '=x', 'a=b=c', 'Shop=x', 'shop=kube_system', `a=${'x'.repeat(64)}`])
      expect(parseTargetNamespaceRule(bad)).toHaveProperty('error');
    expect(parseTargetNamespaceRule(' shop=shop-prod ')).toEqual({ from: 'shop', to: 'shop-prod' });
  });
});
