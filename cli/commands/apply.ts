import { parseArgs } from 'node:util';
import { KubeRest, renderChangeSet } from '../../controller/apply/index.ts';
import { compareDiagnostics } from '../../language/diagnostics/diagnostic.ts';
import { applyRevision } from '../../controller/reconcile/apply-revision.ts';
import { desiredState } from '../../controller/reconcile/desired-state.ts';
import { readWorkingTree } from '../../language/source/read-working-tree.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_FINDINGS, UsageError } from '../exit-codes.ts';
import { defaultRuntimeImage } from '../runtime-image.ts';
import { FORMATTERS } from '../format/index.ts';
import { backboneFromFlags } from '../nats-options.ts';

export const APPLY_HELP = `Usage: interlace apply [paths...] [options]

Reconciles the cluster in your kubeconfig once from the working tree (default ./specs), the way the
controller does from Git: the specs are validated, checked, generated and planned first (a problem
stops everything, nothing is applied), then applied with server-side apply in stages (CRDs and
namespaces, spec objects, runtime objects), objects of the same estate that left the specs are
pruned, and the change set is printed (created, configured, unchanged, deleted, skipped).
  --namespace <ns>     target namespace (default interlace)
  --estate <name>      estate name the objects are labelled with (default local)
  --image <image>      the workers' image (default ghcr.io/interlace-dev/interlace:<version>-worker)
  --no-crds            do not apply the CRDs (the Helm chart installed them)
  --no-prune           keep objects that left the specs (reported as skipped)
  --verbose-changes    list unchanged objects too
  --today <date>       evaluate dates as of this day, YYYY-MM-DD (default: today, UTC)
  --nats <url>         the NATS JetStream backbone the workers connect to (an estate with routes is
                       refused without one: plan-backbone-missing)
  --nats-credentials <type>:<secret>  userPassword, token, nkey or creds, and the Secret holding them
  --nats-ca-secret <name>  a Secret with ca.crt for the NATS server's TLS
  --kubeconfig <file>  default: $KUBECONFIG or ~/.kube/config
Exit codes: 0 applied, 1 the specs were rejected, 2 the tool or the cluster failed.`;

export async function runApply(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      namespace: { type: 'string', default: 'interlace' },
      estate: { type: 'string', default: 'local' },
      image: { type: 'string' },
      'no-crds': { type: 'boolean', default: false },
      'no-prune': { type: 'boolean', default: false },
      'verbose-changes': { type: 'boolean', default: false },
      today: { type: 'string' },
      nats: { type: 'string' },
      'nats-credentials': { type: 'string' },
      'nats-ca-secret': { type: 'string' },
      kubeconfig: { type: 'string' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(APPLY_HELP + '\n');
    return EXIT_CLEAN;
  }
  const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
  if (!dnsLabel.test(values.namespace!) || values.namespace!.length > 63)
    throw new UsageError(`--namespace "${values.namespace}" is not a DNS-1123 label`);
  if (!dnsLabel.test(values.estate!) || values.estate!.length > 63)
    throw new UsageError(`--estate "${values.estate}" is not a DNS-1123 label`);
  const today = values.today ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new UsageError(`--today "${today}" is not a date; write YYYY-MM-DD`);
  const paths = positionals.length > 0 ? positionals : ['specs'];

  const backbone = backboneFromFlags(values.nats, values['nats-credentials'], values['nats-ca-secret']);
  const read = readWorkingTree(paths, { cwd: context.cwd });
  const estate = { name: values.estate!, namespace: values.namespace! };
  const gate = await desiredState({
    files: read.files,
    readDiagnostics: read.diagnostics,
    estate,
    targetNamespace: values.namespace!,
    revision: 'working-tree',
    runtimeImage: values.image ?? defaultRuntimeImage(context.version),
    today,
    support: readSupportSources(),
    planOptions: { includeCrds: !values['no-crds'], ...(backbone ? { backbone } : {}) },
  });
  if (!gate.accepted) {
    const sources = new Map(read.files.map((f) => [f.path, f.text]));
    context.stdout(
      FORMATTERS.stylish!({
        diagnostics: [...gate.diagnostics].sort(compareDiagnostics),
        sources,
        fileCount: read.files.length,
        documentCount: 0,
        color: values['no-color'] ? false : context.color,
        toolVersion: context.version,
      }),
    );
    context.stderr(`interlace apply: the specs were rejected by ${gate.stage}; nothing was applied.\n`);
    return EXIT_FINDINGS;
  }
  const rest = KubeRest.fromKubeconfig(values.kubeconfig);
  const result = await applyRevision(rest, { estate, plan: gate.plan, previousInventory: [], prune: !values['no-prune'], now: new Date() });
  context.stdout(renderChangeSet(result.changes, { verbose: values['verbose-changes'] }));
  const c = result.counts;
  context.stdout(
    `health: ${result.health}; ${c.specs} specs, ${c.units} units (${c.units - c.progressing - c.degraded} healthy, ${c.progressing} rolling out, ${c.degraded} degraded)${result.healthMessage ? `: ${result.healthMessage}` : ''}\n`,
  );
  if (result.monitoring && 'missing' in result.monitoring)
    context.stdout(
      `monitoring: not applied, the cluster has no ${result.monitoring.missing.join(', ')} (the Prometheus Operator's CRDs)\n`,
    );
  context.stdout(`writes: ${rest.counter.writeCount()} of ${rest.counter.total()} requests\n`);
  return EXIT_CLEAN;
}
