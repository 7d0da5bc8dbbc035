import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../lib/duration.ts';
import { sampleRatioOf } from '../../runtime/observe/otlp-tracer.ts';
import { startDealerTraffic } from '../../runtime/run/dealer-traffic.ts';
import { EstateRun, SpecsInvalidError } from '../../runtime/run/estate-run.ts';
import { renderLiveView, renderPlainLine } from '../../runtime/run/live-view.ts';
import { buildSummary, ordersUnaccounted, renderSummary } from '../../runtime/run/summary.ts';
import { DEMO_TIMING } from '../../runtime/simulate/system.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_FINDINGS, EXIT_TOOL_FAILURE, UsageError } from '../exit-codes.ts';
import { FORMATTERS } from '../format/index.ts';

export const RUN_HELP = `Usage: interlace run [paths...] [options]

Validates, generates and runs the whole estate on this machine: every route and API unit in one
process, the embedded backbone (.interlace/run/backbone.db) unless --nats, and — for the example
estate — simulated systems (SAP-like legacy ERP, Business Central-like cloud ERP, WMS, TMS, CRM,
dealer portal, demand planning, EDI partner, operations, finance landing zone) that make traffic and
accept it. A spec change is hot-reloaded: re-validated, and only changed units restart; a change that
does not validate is reported and the running units keep going.
  --nats <url>        use NATS JetStream at <url> instead of the embedded store
  --orders <n>        dealers submit n orders, then the run ends with a summary when all is handled
  --forecast <n>      demand planning publishes n replenishment proposals (default: n/10 with --orders)
  --for <duration>    demo traffic for this long once the estate is up (30s, 5m), then a summary
  --report json       print the summary as JSON (stdout), the live view goes to stderr
  --no-simulate       run the units only (real systems; secrets from the environment)
  --port-base <n>     gateway on n (APIs, /metrics, /_run/state, /map/), simulated systems on n+1… (default 7400)
  --real-limits       keep the specs' rate limits for the simulated systems (default: ×100)
  --run-dir <dir>     state of the run (default .interlace/run)
  --no-watch          no hot reload
  --otlp <url>        export traces over OTLP/HTTP to <url> (a collector or Jaeger, e.g. http://localhost:4318);
                      default: OTEL_EXPORTER_OTLP_ENDPOINT when set. OTEL_TRACES_SAMPLER_ARG (0..1) samples new traces
Exit codes: 0 ran (and, with --orders, nothing was lost: every order delivered or, by a business decision,
cancelled and the dealer told; nothing left in flight,
no duplicate effect, no inventory divergence), 1 the specs do not validate or the summary found a problem, 2 the tool failed.`;

export async function runRun(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      nats: { type: 'string' },
      orders: { type: 'string' },
      forecast: { type: 'string' },
      for: { type: 'string' },
      report: { type: 'string' },
      'no-simulate': { type: 'boolean' },
      'port-base': { type: 'string' },
      'real-limits': { type: 'boolean' },
      'run-dir': { type: 'string' },
      'no-watch': { type: 'boolean' },
      otlp: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(RUN_HELP + '\n');
    return EXIT_CLEAN;
  }
  const orders = values.orders !== undefined ? Number(values.orders) : 0;
  if (!Number.isInteger(orders) || orders < 0) throw new UsageError('--orders takes a whole number');
  const forecast = values.forecast !== undefined ? Number(values.forecast) : Math.ceil(orders / 10);
  const forParsed = values.for !== undefined ? parseDuration(values.for) : undefined;
  if (forParsed && !forParsed.ok) throw new UsageError(`--for: ${forParsed.reason}`);
  const forMs = forParsed?.ms;
  if (forMs !== undefined && !(forMs > 0)) throw new UsageError('--for takes a duration above zero, such as 30s or 5m');
  if (values.report !== undefined && values.report !== 'json') throw new UsageError('--report takes json');
  const otlpEndpoint = values.otlp ?? (process.env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined);
  if (otlpEndpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(otlpEndpoint))
    throw new UsageError(`--otlp takes an http(s) URL such as http://localhost:4318, not ${JSON.stringify(otlpEndpoint)}`);
  const sampling = sampleRatioOf(process.env.OTEL_TRACES_SAMPLER_ARG);
  if (!sampling.ok) throw new UsageError(sampling.error);
  const portBase = values['port-base'] !== undefined ? Number(values['port-base']) : 7400;
  const paths = positionals.length > 0 ? positionals : ['specs'];
  const json = values.report === 'json';
  // With --report json, stdout carries only the JSON: the view goes to stderr.
  const out = json ? context.stderr : context.stdout;
  const tty = !json && process.stdout.isTTY === true;
  const bounded = orders > 0 || forMs !== undefined;

  const started = Date.now();
  let run: EstateRun;
  try {
    run = await EstateRun.start({
      paths,
      cwd: context.cwd,
      runDir: resolve(context.cwd, values['run-dir'] ?? '.interlace/run'),
      portBase,
      ...(values.nats ? { nats: values.nats } : {}),
      ...(values['no-simulate'] ? { simulate: false } : {}),
      ...(values['real-limits'] ? { limitScale: 1 } : {}),
      ...(otlpEndpoint
        ? { otlp: { endpoint: otlpEndpoint, ...(sampling.ratio !== undefined ? { sampleRatio: sampling.ratio } : {}) } }
        : {}),
      // Demo traffic (no --orders) moves at a pace one can watch; counted orders run as fast as they can.
      ...(orders > 0 ? {} : { timing: DEMO_TIMING }),
    });
  } catch (error) {
    if (error instanceof SpecsInvalidError) {
      context.stderr(
        FORMATTERS.stylish!({
          diagnostics: error.diagnostics,
          sources: new Map(),
          fileCount: 0,
          documentCount: 0,
          color: context.color,
          toolVersion: context.version,
        }),
      );
      context.stderr('interlace run: the specs do not validate; nothing was started.\n');
      return EXIT_FINDINGS;
    }
    // The fallback of `npm start`: say why the estate cannot run, and still show what it is.
    context.stderr(
      `interlace run: the estate could not start: ${(error as Error).message}\nShowing the estate instead (interlace validate --summary):\n`,
    );
    const { runValidate } = await import('./validate.ts');
    await runValidate([...paths, '--summary'], context);
    return EXIT_TOOL_FAILURE;
  }

  out(
    `interlace run: ${run.units.size} workers (${[...run.units.values()].reduce((n, u) => n + u.members.length, 0)} units) on ${run.backboneDescription}\n`,
  );
  out(`  gateway ${run.gateway.url}  (APIs, /metrics, /_run/state, /map/)\n`);
  out(`  prometheus --config.file=${run.prometheusConfigFile}  (scrapes the gateway, evaluates the SLO rules)\n`);
  out(`  estate map ${run.gateway.url}/map/\n`);
  if (run.simulation) out(`  simulated systems: ${run.simulation.systems.map((s) => `${s.name} ${s.server?.origin ?? ''}`).join(', ')}\n`);

  let notice: string | undefined;
  let watcher: FSWatcher | undefined;
  if (!values['no-watch']) {
    const pending = new Set<string>();
    let timer: NodeJS.Timeout | undefined;
    const onChange = () => {
      const changed = [...pending];
      pending.clear();
      void run.reload(changed).then(
        (report) => {
          if (!report.ok) {
            const errors = report.diagnostics.filter((d) => d.severity === 'error');
            notice = `reload rejected: ${errors.length} error(s), the running units keep going`;
            context.stderr(
              FORMATTERS.stylish!({
                diagnostics: report.diagnostics,
                sources: new Map(),
                fileCount: 0,
                documentCount: 0,
                color: context.color,
                toolVersion: context.version,
              }),
            );
          } else {
            notice = `reloaded: ${report.restarted.length} restarted${report.restarted.length ? ` (${report.restarted.join(', ')})` : ''}, ${report.started.length} started, ${report.stopped.length} stopped, ${report.unchanged} unchanged`;
          }
          if (!tty) out(`${notice}\n`);
        },
        (error: unknown) => {
          notice = `reload failed: ${(error as Error).message}`;
          if (!tty) out(`${notice}\n`);
        },
      );
    };
    for (const path of paths) {
      const abs = resolve(context.cwd, path);
      try {
        const w = watch(abs, { recursive: true }, (_event, file) => {
          if (!file || !/\.ya?ml$/.test(String(file))) return;
          pending.add(resolve(abs, String(file)));
          clearTimeout(timer);
          timer = setTimeout(onChange, 250);
        });
        watcher ??= w;
      } catch {
        /* a single file or a missing path: no hot reload for it */
      }
    }
  }

  let forecastSent = 0;
  if (run.simulation && orders > 0) {
    run.simulation.sendOrders(orders);
    if (forecast > 0) forecastSent = run.simulation.publishForecast(forecast).length;
  }
  const stopDealers = run.simulation && !json ? startDealerTraffic(run.simulation, run.gateway.url) : undefined;
  let demoOrders = 0;
  // Without --orders (open-ended, or --for a while) the demo makes steady traffic: a few orders a
  // second, a forecast now and then.
  const demo =
    run.simulation && orders === 0
      ? setInterval(() => {
          demoOrders += run.simulation!.sendOrders(3).length;
          if (demoOrders % 60 === 0) run.simulation!.publishForecast(5);
        }, 1_000)
      : undefined;

  let stopping = false;
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    stopping = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const ordersSent = () => orders + demoOrders;
  const render = async () => {
    const stats = await run.stats.snapshot('recent');
    const ctx = {
      title: `interlace run — ${run.backboneDescription}`,
      elapsedMs: Date.now() - started,
      ordersSent: ordersSent(),
      backlog: await run.backlog(),
      ...(notice ? { notice } : {}),
      ...(run.simulation
        ? {
            systems: Object.fromEntries(
              run.simulation.systems.map((s) => [
                s.name,
                { requests: s.server?.traffic.requests ?? 0, faulted: s.server?.traffic.faulted ?? 0 },
              ]),
            ),
          }
        : {}),
    };
    out(tty ? renderLiveView(stats, ctx, context.color) : renderPlainLine(stats, ctx));
  };

  let settled = false;
  // --for counts from when the estate is up and the traffic starts, not from the build before it.
  const deadline = forMs !== undefined ? Date.now() + forMs : undefined;
  let lastPlain = 0;
  while (!stopping) {
    await new Promise((r) => setTimeout(r, 1_000));
    if (tty || Date.now() - lastPlain >= 5_000) {
      await render();
      lastPlain = Date.now();
    }
    if (deadline !== undefined && Date.now() >= deadline) break;
    if (orders > 0 && forMs === undefined) {
      // Done when everything sent has been handled and nothing moves any more.
      settled = await run.settle({ timeoutMs: 3_000, quietMs: 1_500 }).catch(() => false);
      if (settled) break;
    }
  }
  if (demo) clearInterval(demo);
  stopDealers?.();
  watcher?.close();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  let code = EXIT_CLEAN;
  if (bounded || interrupted) {
    if (!interrupted && forMs !== undefined) settled = await run.settle({ timeoutMs: 2_000, quietMs: 500 });
    const summary = buildSummary({
      durationMs: Date.now() - started,
      backbone: run.backboneDescription,
      settled,
      stats: await run.stats.snapshot('whole'),
      ...(run.simulation ? { simulation: run.simulation } : {}),
      ordersSent: ordersSent(),
      forecastProposals: forecastSent,
      fileTargets: run.fileTargets(),
      ...(run.workflows ? { workflows: await run.workflows.reports() } : {}),
    });
    if (json) context.stdout(`${JSON.stringify(summary, null, 2)}\n`);
    else out(renderSummary(summary));
    const duplicateEffects = Object.values(summary.systems).reduce((n, s) => n + s.duplicateEffects, 0);
    // Counted orders that did not all arrive are a finding, whatever else the run says.
    const undelivered = run.simulation ? ordersUnaccounted(summary) : 0;
    if (orders > 0 && (duplicateEffects > 0 || summary.divergence.total > 0 || !settled || undelivered > 0)) code = EXIT_FINDINGS;
  }
  await run.stop();
  return code;
}
