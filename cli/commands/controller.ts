import { parseArgs } from 'node:util';
import { createLogger } from '../../lib/log.ts';
import type { LogLevel } from '../../lib/log.ts';
import { Controller } from '../../controller/reconcile/controller.ts';
import { sampleRatioOf } from '../../runtime/observe/otlp-tracer.ts';
import { parseTargetNamespaceRule } from '../../controller/reconcile/target-namespaces.ts';
import type { TargetNamespaceRule } from '../../controller/reconcile/target-namespaces.ts';
import type { CommandContext } from '../command.ts';
import { backboneFromFlags } from '../nats-options.ts';
import { TEMPORAL_PLAN_HELP, TEMPORAL_PLAN_OPTIONS, temporalFromFlags } from '../temporal-options.ts';
import { EXIT_CLEAN, UsageError } from '../exit-codes.ts';
import { defaultRuntimeImage } from '../runtime-image.ts';

export const CONTROLLER_HELP = `Usage: interlace controller [options]

Runs the GitOps controller: watches Estates, fetches their Git revisions (poll at spec.source.interval,
or at once on a push webhook), gates each revision (validate, check, generate, plan), applies it with
server-side apply, prunes what left Git, corrects drift, and writes status and Events.
  --kubeconfig <file>      default: in-cluster, else $KUBECONFIG or ~/.kube/config
  --namespace <ns>         watch Estates in this namespace only (default: all namespaces)
  --leader-elect           run workers only while holding the Lease (for more than one replica)
  --lease-namespace <ns>   namespace of the Lease (default: --namespace, $POD_NAMESPACE or default)
  --lease-name <name>      name of the Lease (default interlace-controller-leader; the chart's RBAC names it)
  --identity <id>          holder identity in the Lease (default <hostname>_<pid>; the chart passes the pod name)
  --metrics-addr <addr>    /metrics, /healthz, /readyz (default 127.0.0.1:8080; 0 picks a port)
  --webhook-addr <addr>    push webhooks at /hook/<namespace>/<estate> (default off)
  --runtime-image <image>  image of the workers of Estates that name none (default
                           ghcr.io/interlace-dev/interlace:<version>-worker, docs/image.md)
  --nats-url <url>         NATS JetStream for Estates that name no spec.backbone (the chart sets it); without
                           either, an Estate with routes is refused (plan-backbone-missing)
  --nats-credentials <type>:<secret>
                           their credentials: userPassword, token, nkey or creds, and a Secret in the
                           target namespace (keys: docs/kubernetes.md)
  --nats-ca-secret <name>  a Secret with ca.crt to verify the NATS server's TLS certificate
  --temporal-address <host:port>
                           the Temporal cluster Workflow units run on, for Estates that name no
                           spec.workflows.temporal (the chart's temporal.address); without either,
                           workflows are not deployed (warning plan-temporal-missing)
${TEMPORAL_PLAN_HELP}
  --otlp-endpoint <url>    every worker exports its spans over OTLP/HTTP to <url> (OTEL_EXPORTER_OTLP_ENDPOINT;
                           the chart's tracing.otlpEndpoint); default: spans are dropped
  --trace-sample-ratio <r> share of new traces the workers keep, 0..1 (default 1; OTEL_TRACES_SAMPLER_ARG)
  --install-crds           apply the Interlace CRDs too (default off: the Helm chart installs them)
  --workers <n>            Estates reconciled in parallel (default 2)
  --git-cache <dir>        where repositories are cloned (default $TMPDIR/interlace-git-cache)
  --allow-target-namespace <estate-ns>=<target-ns>
                           let Estates in estate-ns target target-ns (repeatable; * matches any namespace).
                           Default: an Estate writes only to its own namespace
  --allow-local-sources    accept file:// Estate sources (tests and development only: a local path reads
                           the controller's disk, including other Estates' cached repositories)
  --kube-api-qps <n>       requests per second to the API server (default 50)
  --kube-api-burst <n>     burst above that rate (default 100)
  --log-level <level>      debug, info (default), warn, error
Stops on SIGTERM or SIGINT after the reconciles in flight; exits 1 when leadership is lost.`;

export async function runController(argv: string[], context: CommandContext): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    allowPositionals: false,
    strict: true,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      'leader-elect': { type: 'boolean', default: false },
      'lease-namespace': { type: 'string' },
      'lease-name': { type: 'string' },
      'metrics-addr': { type: 'string', default: '127.0.0.1:8080' },
      'webhook-addr': { type: 'string' },
      'runtime-image': { type: 'string' },
      'nats-url': { type: 'string' },
      'otlp-endpoint': { type: 'string' },
      'trace-sample-ratio': { type: 'string' },
      'nats-credentials': { type: 'string' },
      'nats-ca-secret': { type: 'string' },
      'temporal-address': { type: 'string' },
      ...TEMPORAL_PLAN_OPTIONS,
      'install-crds': { type: 'boolean', default: false },
      workers: { type: 'string', default: '2' },
      'git-cache': { type: 'string' },
      'allow-target-namespace': { type: 'string', multiple: true, default: [] },
      'allow-local-sources': { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      'kube-api-qps': { type: 'string', default: '50' },
      'kube-api-burst': { type: 'string', default: '100' },
      identity: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(CONTROLLER_HELP + '\n');
    return EXIT_CLEAN;
  }
  const level = values['log-level'] as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError(`--log-level "${level}": use debug, info, warn or error`);
  const workers = Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new UsageError(`--workers "${values.workers}" is not a number from 1 to 64`);
  const qps = Number(values['kube-api-qps']);
  const burst = Number(values['kube-api-burst']);
  if (!(qps > 0) || !(burst >= 1)) throw new UsageError('--kube-api-qps and --kube-api-burst must be positive numbers');
  const allowedTargetNamespaces: TargetNamespaceRule[] = [];
  for (const text of values['allow-target-namespace'] ?? []) {
    for (const part of text.split(',').filter((p) => p.trim() !== '')) {
      const rule = parseTargetNamespaceRule(part);
      if ('error' in rule) throw new UsageError(`--allow-target-namespace ${rule.error}`);
      allowedTargetNamespaces.push(rule);
    }
  }
  const defaultBackbone = backboneFromFlags(values['nats-url'], values['nats-credentials'], values['nats-ca-secret']);
  const defaultTemporal = temporalFromFlags(values['temporal-address'], values);
  const otlpEndpoint = values['otlp-endpoint'];
  if (otlpEndpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(otlpEndpoint))
    throw new UsageError(`--otlp-endpoint takes an http(s) URL such as http://otel-collector:4318, not ${JSON.stringify(otlpEndpoint)}`);
  const sampling = sampleRatioOf(values['trace-sample-ratio']);
  if (!sampling.ok)
    throw new UsageError(`--trace-sample-ratio takes a number from 0 to 1, not ${JSON.stringify(values['trace-sample-ratio'])}`);
  if (sampling.ratio !== undefined && otlpEndpoint === undefined) throw new UsageError('--trace-sample-ratio needs --otlp-endpoint');
  const log = createLogger({ level, write: (line) => context.stderr(line) });
  let lost = false;
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stop = resolve;
  });
  const controller = new Controller({
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    ...(values.namespace ? { namespace: values.namespace } : {}),
    ...(values['lease-namespace'] ? { leaseNamespace: values['lease-namespace'] } : {}),
    ...(values['lease-name'] ? { leaseName: values['lease-name'] } : {}),
    ...(values.identity ? { identity: values.identity } : {}),
    leaderElect: values['leader-elect'],
    metricsAddr: values['metrics-addr']!,
    ...(values['webhook-addr'] ? { webhookAddr: values['webhook-addr'] } : {}),
    defaultRuntimeImage: values['runtime-image'] ?? defaultRuntimeImage(context.version),
    ...(defaultBackbone ? { defaultBackbone } : {}),
    ...(defaultTemporal ? { defaultTemporal } : {}),
    ...(otlpEndpoint ? { tracing: { otlpEndpoint, ...(sampling.ratio !== undefined ? { sampleRatio: sampling.ratio } : {}) } } : {}),
    installCrds: values['install-crds'],
    workers,
    kubeApiQps: qps,
    kubeApiBurst: burst,
    ...(values['git-cache'] ? { gitCacheDir: values['git-cache'] } : {}),
    allowLocalSources: values['allow-local-sources'],
    allowedTargetNamespaces,
    log,
    onLostLeadership: () => {
      lost = true;
      stop();
    },
  });
  await controller.start();
  log.info('controller started', {
    metrics: controller.metricsAddress,
    webhook: controller.webhookAddress || undefined,
    leaderElect: values['leader-elect'],
    namespace: values.namespace ?? '(all)',
  });
  const onSignal = () => stop();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  await stopped;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  log.info('controller stopping', { reason: lost ? 'LeaderLost' : 'Signal' });
  await controller.stop();
  return lost ? 1 : EXIT_CLEAN;
}
