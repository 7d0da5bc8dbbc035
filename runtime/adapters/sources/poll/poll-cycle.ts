import type { AdapterState } from '../../adapter-state.ts';
import type { SourceContext } from '../../source-adapter.ts';
import type { PollHttp } from './poll-http.ts';
import type { PollSettings } from './poll-settings.ts';

/** What one poll cycle needs: its settings, the System's HTTP, durable state, and where to publish. */
export interface PollCycleContext {
  readonly settings: PollSettings;
  readonly http: PollHttp;
  readonly state: AdapterState;
  readonly publish: SourceContext['publish'];
}

/** What one cycle did: events published, and whether more is waiting (poll again at once). */
export interface PollCycleResult {
  readonly published: number;
  readonly more: boolean;
}

/** Another replica advanced the same watermark or acknowledgements first; this cycle's work is its. */
export class PollStateConflict extends Error {
  constructor(what: string) {
    super(`${what} was changed by another poller; reading again`);
    this.name = 'PollStateConflict';
  }
}

/** Events published at once; each batch resolves (is stored) before the next starts. */
const PUBLISH_BATCH = 64;

/** Publishes every item and resolves when all are stored (a rejection fails the cycle: nothing is acknowledged). */
export async function publishAll<T>(items: readonly T[], publishOne: (item: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < items.length; i += PUBLISH_BATCH) {
    await Promise.all(items.slice(i, i + PUBLISH_BATCH).map(publishOne));
  }
}
