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
import { sloRequiredRule } from './service-levels.ts';
import { humanTaskOwnerRule, workflowWaitTimeoutRule } from './workflows.ts';
import { breakingChangeRule, removalNeedsSunsetRule, semverRule, sunsetNeverEarlierRule, versionBumpRule } from './versioning.ts';

/** Every built-in rule, in the order docs/rules.md lists them. All but those whose default severity is `off` run by default; a Policy tunes, enables or disables them. */
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
  sloRequiredRule,
  workflowWaitTimeoutRule,
  humanTaskOwnerRule,
];
