import type { RuleDefinition } from '../rule.ts';
import { classifiedDataFlowRule, credentialsBySecretRefRule, piiClassifiedRule } from './data-protection.ts';
import { mappingRequiredFieldsRule, routeDeliveryBoundedRule } from './delivery-and-mapping.ts';
import {
  authRequiredRule,
  deprecationNeedsSunsetRule,
  namingConventionRule,
  ownerRequiredRule,
  rateLimitRequiredRule,
} from './ownership-and-lifecycle.ts';
import { breakingChangeRule, removalNeedsSunsetRule, semverRule, sunsetNeverEarlierRule, versionBumpRule } from './versioning.ts';

/** Every built-in rule, in the order docs/rules.md lists them. All run by default; a Policy tunes or disables them. */
export const BUILT_IN_RULES: readonly RuleDefinition[] = [
  semverRule,
  versionBumpRule,
  breakingChangeRule,
  removalNeedsSunsetRule,
  sunsetNeverEarlierRule,
  deprecationNeedsSunsetRule,
  ownerRequiredRule,
  authRequiredRule,
  rateLimitRequiredRule,
  piiClassifiedRule,
  classifiedDataFlowRule,
  credentialsBySecretRefRule,
  routeDeliveryBoundedRule,
  mappingRequiredFieldsRule,
  namingConventionRule,
];
