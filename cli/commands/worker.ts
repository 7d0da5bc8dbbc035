import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Backbone } from '../../runtime/backbone/backbone.ts';
import { parseDuration } from '../../lib/duration.ts';
import { createLogger } from '../../lib/log.ts';
import type { LogLevel } from '../../lib/log.ts';
import { BundleError, loadBundles } from '../../runtime/worker/bundle.ts';
import { startWorker } from '../../runtime/worker/start-worker.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_TOOL_FAILURE, UsageError } from '../exit-codes.ts';
import { temporalSettings } from '../../runtime/workflow/temporal/temporal-settings.ts';
import { NATS_AUTH_HELP, NATS_AUTH_OPTIONS, natsAuthFromFlags } from '../nats-options.ts';

export const WORKER_HELP = `Usage: interlace worker --bundle <dir> [options]

Runs deployable units from their generated bundles: the process the controller deploys (one unit per
Deployment, its bundle mounted from a ConfigMap). The bundles carry the specs they need, so nothing
but the bundle directory is read: \`<generate --out>/bundles\` (many units) or a mounted
bundle.js + manifest.json (one unit). Each bundle's SHA-256 is checked against its manifest.
  --bundle <dir>       the bundle directory (required)
  --unit <name>        run only this unit (repeatable; default: every unit in the directory, or $INTERLACE_UNIT)
  --nats <url>         NATS JetStream (default $INTERLACE_NATS_URL); without it, the embedded store
                       <state-dir>/backbone.db. A server that does not answer at start is waited for
                       (/healthz 200, /readyz 503 meanwhile); refused credentials exit 2
${NATS_AUTH_HELP}
  --temporal <host:port>        the Temporal frontend that runs the Workflow units (default
                                $INTERLACE_TEMPORAL_ADDRESS); without it Workflow units are not run.
                                /readyz is 503 with the reason until they run (server unreachable:
                                retried; the @temporalio SDK not installed)
  --temporal-namespace <ns>     default $INTERLACE_TEMPORAL_NAMESPACE, else default
  --temporal-task-queue <q>     default $INTERLACE_TEMPORAL_TASK_QUEUE, else the unit ids joined by +
  --temporal-scope <s>          the Estate's scope in a shared namespace: task queue and workflow ids
                                become <s>/<name> (default $INTERLACE_TEMPORAL_SCOPE, set by the
                                controller; else none)
  --temporal-tls-cert <file>    mTLS client certificate (PEM; default $INTERLACE_TEMPORAL_TLS_CERT_FILE)
  --temporal-tls-key <file>     its key (default $INTERLACE_TEMPORAL_TLS_KEY_FILE)
  --temporal-tls-ca <file>      the server's CA (default $INTERLACE_TEMPORAL_TLS_CA_FILE)
                                An API key (Temporal Cloud) is read from $INTERLACE_TEMPORAL_API_KEY only.
  --temporal-sticky-timeout <d> how long a dead worker's executions wait before another worker takes
                                them (default 10s, Temporal's)
  --state-dir <dir>    idempotency store, views and the embedded backbone (default $INTERLACE_STATE_DIR,
                       else .interlace/worker, or <tmp>/interlace-worker with NATS)
  --port <n>           HTTP port for APIs, /metrics, /healthz, /readyz (default $INTERLACE_PORT or 8080)
  --host <h>           address to listen on (default 0.0.0.0)
  --ack-wait <d>       the backbone's ack deadline for route consumers (default 30s)
  --grace <d>          on SIGTERM, how long in-flight deliveries may finish (default 10s)
  --log-level <l>      debug, info, warn, error (default info)
  --worker-id <id>     who holds idempotency reservations (default $INTERLACE_POD_NAME, else host:pid:random):
                       a restart with the same id continues its reservations at once; never run two
                       live processes with one id on one state dir
Secrets come from the environment (<SECRET>_<KEY>, see docs/delivery.md).
Exit codes: 0 stopped by SIGTERM/SIGINT after a clean shutdown, 2 a bad bundle or the worker failed.`;

/** `interlace worker`: one worker process until SIGTERM or SIGINT, then a graceful shutdown. */
export async function runWorker(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      bundle: { type: 'string' },
      unit: { type: 'string', multiple: true },
      nats: { type: 'string' },
      'state-dir': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'ack-wait': { type: 'string' },
      grace: { type: 'string' },
      'log-level': { type: 'string' },
      'worker-id': { type: 'string' },
      temporal: { type: 'string' },
      'temporal-namespace': { type: 'string' },
      'temporal-task-queue': { type: 'string' },
      'temporal-scope': { type: 'string' },
      'temporal-tls-cert': { type: 'string' },
      'temporal-tls-key': { type: 'string' },
      'temporal-tls-ca': { type: 'string' },
      'temporal-sticky-timeout': { type: 'string' },
      ...NATS_AUTH_OPTIONS,
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(WORKER_HELP + '\n');
    return EXIT_CLEAN;
  }
  const env = process.env;
  if (!values.bundle) throw new UsageError('worker needs --bundle <dir> (the bundles of `interlace generate --out <dir>`: <dir>/bundles)');
  const port = Number(values.port ?? env.INTERLACE_PORT ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port takes a port number (0 = any free port)');
  const ackWaitMs = values['ack-wait'] !== undefined ? durationFlag('--ack-wait', values['ack-wait']) : undefined;
  if (ackWaitMs !== undefined && !(ackWaitMs > 0)) throw new UsageError('--ack-wait takes a duration above zero, such as 30s');
  const graceMs = durationFlag('--grace', values.grace ?? '10s');
  const level = (values['log-level'] ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError('--log-level takes debug, info, warn or error');
  const nats = values.nats ?? (env.INTERLACE_NATS_URL || undefined);
  const natsAuth = natsAuthFromFlags(values, env, context.cwd);
  const bundleDir = resolve(context.cwd, values.bundle);
  const units = values.unit ?? (env.INTERLACE_UNIT ? [env.INTERLACE_UNIT] : undefined);
  const stateDir = resolve(
    context.cwd,
    values['state-dir'] ?? env.INTERLACE_STATE_DIR ?? (nats ? join(tmpdir(), 'interlace-worker') : '.interlace/worker'),
  );

  const fileFlag = (value: string | undefined) => (value === undefined ? undefined : resolve(context.cwd, value));
  const temporal = temporalSettings(
    {
      address: values.temporal,
      namespace: values['temporal-namespace'],
      taskQueue: values['temporal-task-queue'],
      scope: values['temporal-scope'],
      tlsCert: fileFlag(values['temporal-tls-cert']),
      tlsKey: fileFlag(values['temporal-tls-key']),
      tlsCa: fileFlag(values['temporal-tls-ca']),
    },
    env,
  );
  if (!temporal.ok) {
    context.stderr(`interlace worker: ${temporal.error}\n`);
    return EXIT_TOOL_FAILURE;
  }
  const stickyMs =
    values['temporal-sticky-timeout'] !== undefined
      ? durationFlag('--temporal-sticky-timeout', values['temporal-sticky-timeout'])
      : undefined;

  // The bundle is checked before anything connects: a bad bundle is the operator's to fix (exit 2).
  try {
    const loaded = await loadBundles(bundleDir, units);
    const workflowUnits = loaded.filter((b) => b.manifest.kind === 'Workflow').map((b) => b.manifest.unit);
    // Asked by name (the controller's Deployment) to run a workflow with nowhere to run it: the pod's configuration is at fault.
    if (units && workflowUnits.length > 0 && !temporal.settings) {
      context.stderr(
        `interlace worker: unit ${workflowUnits.join(', ')} is a Workflow and runs on Temporal: give --temporal <host:port> or $INTERLACE_TEMPORAL_ADDRESS (the Estate's spec.workflows.temporal, the chart's temporal.*)\n`,
      );
      return EXIT_TOOL_FAILURE;
    }
  } catch (error) {
    if (!(error instanceof BundleError)) throw error;
    context.stderr(`interlace worker: bad bundle: ${error.message}\n`);
    return EXIT_TOOL_FAILURE;
  }

  const logger = createLogger({ level, write: (line) => context.stdout(line) });
  mkdirSync(stateDir, { recursive: true });
  let backbone: Backbone;
  const host = values.host ?? '0.0.0.0';
  if (nats) {
    const { openJetStreamBackbone, natsUnreachable } = await import('../../runtime/backbone/jetstream-backbone.ts');
    const { openBackboneWhenReachable } = await import('../../runtime/worker/await-backbone.ts');
    // A server that is down (or not resolvable yet) is waited for, not-ready on the worker's port meanwhile.
    const waiting = new AbortController();
    const stopWaiting = () => waiting.abort();
    process.once('SIGTERM', stopWaiting);
    process.once('SIGINT', stopWaiting);
    try {
      const opened = await openBackboneWhenReachable({
        open: () =>
          openJetStreamBackbone({
            servers: nats.split(','),
            name: `interlace-worker-${units?.join('+') ?? 'all'}-${process.pid}`,
            auth: natsAuth,
          }),
        unreachable: natsUnreachable,
        port,
        host,
        logger,
        signal: waiting.signal,
      });
      if (!opened) return EXIT_CLEAN; // stopped while waiting for the server
      backbone = opened;
    } catch (error) {
      // Wrong credentials or an unreadable creds/CA file: the pod's configuration is at fault (exit 2, not a stack trace).
      context.stderr(`interlace worker: cannot connect to NATS ${nats}: ${(error as Error).message}\n`);
      return EXIT_TOOL_FAILURE;
    } finally {
      process.off('SIGTERM', stopWaiting);
      process.off('SIGINT', stopWaiting);
    }
  } else {
    const { openSqliteBackbone } = await import('../../runtime/backbone/sqlite-backbone.ts');
    backbone = await openSqliteBackbone({ path: join(stateDir, 'backbone.db') });
  }

  let stop: (signal: string) => void = () => {};
  const stopped = new Promise<string>((resolveStop) => {
    stop = resolveStop;
  });
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    const worker = await startWorker({
      bundleDir,
      backbone,
      stateDir,
      env,
      port,
      host,
      logger,
      ...(units ? { units } : {}),
      ...(ackWaitMs ? { ackWaitMs } : {}),
      ...(temporal.settings
        ? { temporal: { ...temporal.settings, ...(stickyMs !== undefined ? { stickyQueueScheduleToStartTimeoutMs: stickyMs } : {}) } }
        : {}),
      ...((values['worker-id'] ?? env.INTERLACE_POD_NAME) ? { owner: values['worker-id'] ?? env.INTERLACE_POD_NAME } : {}),
    });
    logger.info('worker ready', { url: worker.url, units: worker.units, backbone: nats ? 'jetstream' : 'embedded', stateDir });
    const signal = await stopped;
    // Stop consuming, let in-flight deliveries finish (or nak them at the deadline), then close.
    logger.info('worker stopping', { signal, graceMs });
    await worker.close(graceMs);
    logger.info('worker stopped', { signal });
    return EXIT_CLEAN;
  } catch (error) {
    if (!(error instanceof BundleError)) throw error;
    context.stderr(`interlace worker: bad bundle: ${error.message}\n`);
    return EXIT_TOOL_FAILURE;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await backbone.close().catch(() => {});
  }
}

/** A duration flag's milliseconds; a mistake is a usage error that says what is wrong. */
function durationFlag(flag: string, text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new UsageError(`${flag}: ${parsed.reason}`);
  return parsed.ms;
}
