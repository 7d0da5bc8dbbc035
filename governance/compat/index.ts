/**
 * Compatibility of JSON Schemas (draft 2020-12) for data contracts: whether one schema can read every
 * instance valid under another, and Confluent Schema Registry's modes on top. Pure functions.
 */
export { findIncompatibilities } from './find-incompatibilities.ts';
export { checkCompatibility } from './check-compatibility.ts';
export { classifySchemaChange } from './classify.ts';
export type { CompatibilityFinding, CompatibilityMode } from './types.ts';
