/**
 * The spec kinds as TypeScript types, by kind name: what a document's `spec` looks like once it passed
 * its kind's schema. The types are generated from the schemas (generated/kinds.ts), so a stage that
 * reads `doc.spec.targets` is checked against the same source of truth as the validator.
 */
import type { Api, DataContract, EventRoute, Mapping, Policy, System, Workflow } from './generated/kinds.ts';
import type { KindName } from './registry.ts';

/** The whole document type of each kind. */
export interface KindDocuments {
  DataContract: DataContract;
  System: System;
  Mapping: Mapping;
  EventRoute: EventRoute;
  Api: Api;
  Policy: Policy;
  Workflow: Workflow;
}

/** The `spec` of a kind, as its schema guarantees it. */
export type SpecOf<K extends KindName> = KindDocuments[K]['spec'];

// A kind added to the registry without a type here is a compile error, not an `any`.
type Missing = Exclude<KindName, keyof KindDocuments>;
const _everyKindTyped: [Missing] extends [never] ? true : never = true;
void _everyKindTyped;
