/**
 * What every simulated system is made of: its name, an HTTP server (unless it lives on the backbone
 * only), a ledger of effects, the shared physical world and the publisher its events leave through.
 */
import type { Backbone } from '../backbone/backbone.ts';
import { EffectLedger } from './effects.ts';
import type { SimServer } from './sim-http.ts';
import type { SourcePublisher } from './source-publisher.ts';
import type { World } from './world.ts';

export interface SimContext {
  world: World;
  publisher: SourcePublisher;
  backbone: Backbone;
  /** Short run-unique tag in generated numbers, so a second run on the same store makes new orders. */
  runTag: string;
  /**
   * How many simulations ran on this store before (runtime/simulate/run-epoch.ts): numeric document
   * numbers start at `runScopedStart(base, runEpoch)` so they never repeat an earlier run's. Default 0.
   */
  runEpoch?: number;
  /** Delays of simulated work (picking, dispatch, milestones, supplier answers), ms. */
  timing: SimTiming;
}

export interface SimTiming {
  /** TMS: from picked + released to dispatched. */
  dispatchMs: number;
  /** TMS: between milestones after dispatch. */
  milestoneMs: number;
  /** Cloud ERP: from a created purchase order to its release. */
  releaseMs: number;
  /** EDI partner: from an 850 to its 856. */
  shipNoticeMs: number;
  /** WMS: from an inbound notice to the receipt. */
  receiveMs: number;
  /** Operations team: how long a decision the team takes its time over waits (operations-team.ts). */
  decisionMs: number;
}

export const FAST_TIMING: SimTiming = { dispatchMs: 5, milestoneMs: 20, releaseMs: 5, shipNoticeMs: 20, receiveMs: 20, decisionMs: 300 };
export const DEMO_TIMING: SimTiming = {
  dispatchMs: 300,
  milestoneMs: 1500,
  releaseMs: 200,
  shipNoticeMs: 1000,
  receiveMs: 1500,
  decisionMs: 4000,
};

export interface SimSystem {
  /** The System's name in the estate (`legacy-erp`). */
  readonly name: string;
  readonly server: SimServer | undefined;
  readonly ledger: EffectLedger;
  /** A JSON summary for `/_sim/state`, the run summary and the tests. */
  state(): Record<string, unknown>;
  /** Starts subscriptions or timers beyond the HTTP server. */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export function newLedger(): EffectLedger {
  return new EffectLedger();
}

let scheduled = 0;

/** Runs `fn` after `ms` (0: on the next turn); timers do not keep the process alive. */
export function later(ms: number, fn: () => void): void {
  scheduled++;
  setTimeout(() => {
    scheduled--;
    fn();
  }, ms).unref();
}

/** Simulated work scheduled with `later` and not yet done (a dispatch, a milestone, a receipt to come). */
export function scheduledWork(): number {
  return scheduled;
}
