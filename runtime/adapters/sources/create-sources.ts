import type { System } from '../../../language/kinds/generated/kinds.ts';
import type { Environment } from '../../http/secrets.ts';
import type { SystemBudgets } from '../../delivery/system-budget.ts';
import type { SourceAdapter } from '../source-adapter.ts';
import type { InterchangeReceiver } from '../files/files-source.ts';
import { filesSourceKind } from '../files/files-source-kind.ts';
import { webhookSourceKind } from '../webhook/webhook-source.ts';
import { pollSourceKind } from './poll/poll-source-kind.ts';

/** A System as the registry reads it: its name and spec (a validated document or a bundle's copy). */
export type SourceSystem = Pick<System, 'metadata' | 'spec'>;

/** What an adapter may need beyond its System's spec. */
export interface SourceDependencies {
  /** Secrets and System parameters (runtime/http/secrets.ts). */
  env: Environment;
  fetchImpl?: typeof fetch;
  /**
   * The System's HTTP transport as its deliveries use it (keep-alive; its client certificate when
   * `auth.type` is `mtls`; route-assembly.ts `systemTransportFor`). Without it: `fetchImpl`, else fetch.
   */
  transportFor?: (system: SourceSystem) => typeof fetch;
  /** The worker's System budgets (circuit breaker, concurrency, rate): a poll spends the same ones as deliveries. */
  budgets?: SystemBudgets;
  /** The JSON Schema of a contract reference (`invoice@1`): a file source types CSV columns by it. */
  contractSchema?: (reference: string) => unknown;
  /** The X12 exchange (997s in and out) of an `edi-x12` System, for its x12 file pickups (start-sources.ts gives it). */
  x12Exchange?: (system: SourceSystem) => Promise<InterchangeReceiver>;
}

/** A Secret key a source reads, so the controller mounts it on the source unit's pod. */
export interface SourceSecret {
  secret: string;
  key: string;
  /** The source runs without it (`secretKeyRef.optional`): an SFTP login's `password` beside its `private-key`. */
  optional?: true;
}

/**
 * One kind of source: the property of `System.spec.sources` it is declared under, how it becomes
 * adapters, and which Secret keys those adapters read.
 */
export interface SourceKind {
  /** The property under `System.spec.sources` (`webhook`, `poll`, `files`). */
  property: string;
  /** The adapters of one System (several for a list, e.g. one per poll entry). Throws only for I/O faults such as a missing secret. */
  create(system: SourceSystem, deps: SourceDependencies): SourceAdapter[];
  secrets(system: SourceSystem): SourceSecret[];
  /** Whether the System's adapters of this kind serve HTTP (the source unit then gets a Service). */
  servesHttp?(system: SourceSystem): boolean;
}

/**
 * THE registry of source kinds: a new adapter adds its `SourceKind` here (docs/adapters.md, "Adding
 * a source"), and the generator, the planner, the worker and `interlace run` pick it up.
 */
const SOURCE_KINDS: readonly SourceKind[] = [webhookSourceKind, pollSourceKind, filesSourceKind];

/** The declared sources of a System (the properties of `spec.sources` that are set). */
function declaredKinds(system: SourceSystem): SourceKind[] {
  const sources = (system.spec.sources ?? {}) as Record<string, unknown>;
  return SOURCE_KINDS.filter((kind) => sources[kind.property] !== undefined);
}

/** Whether a System's sources serve HTTP (a webhook): its source unit gets a Service. */
export function servesHttp(system: SourceSystem): boolean {
  return declaredKinds(system).some((kind) => kind.servesHttp?.(system) === true);
}

/** Every source adapter of a System, in registry order. */
export function createSources(system: SourceSystem, deps: SourceDependencies): SourceAdapter[] {
  return declaredKinds(system).flatMap((kind) => kind.create(system, deps));
}

/** The Secret keys a System's sources read (references only, never values). */
export function sourceSecrets(system: SourceSystem): SourceSecret[] {
  return declaredKinds(system).flatMap((kind) => kind.secrets(system));
}

/** The unit id of a System's sources, as the generator names its bundle and the controller its Deployment. */
export function sourceUnitId(system: string): string {
  return `source-${system}`;
}
