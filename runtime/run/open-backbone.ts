/**
 * The backbone of a local run: the embedded SQLite store in `<runDir>/backbone.db` (nothing to
 * install), or NATS JetStream at `--nats <url>`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Backbone } from '../backbone/backbone.ts';
import type { NatsAuth } from '../backbone/nats-auth.ts';

export interface RunBackboneOptions {
  /** nats://host:port; absent → the embedded store. */
  nats?: string;
  /** Credentials and TLS CA for `nats` (cli/nats-options.ts). */
  natsAuth?: NatsAuth;
  runDir: string;
  /** Embedded store size limit, bytes (tests of a full disk). */
  maxBytes?: number;
}

export async function openRunBackbone(options: RunBackboneOptions): Promise<{ backbone: Backbone; description: string }> {
  if (options.nats) {
    const { openJetStreamBackbone } = await import('../backbone/jetstream-backbone.ts');
    const backbone = await openJetStreamBackbone({
      servers: options.nats,
      name: `interlace-run-${process.pid}`,
      ...(options.natsAuth ? { auth: options.natsAuth } : {}),
    });
    return { backbone, description: `NATS JetStream at ${options.nats}` };
  }
  mkdirSync(options.runDir, { recursive: true });
  const { openSqliteBackbone } = await import('../backbone/sqlite-backbone.ts');
  const path = join(options.runDir, 'backbone.db');
  const backbone = await openSqliteBackbone({ path, ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}) });
  return { backbone, description: `embedded store ${path}` };
}
