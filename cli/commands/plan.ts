import { parseArgs } from 'node:util';
import { checkEstate } from '../../governance/check-estate.ts';
import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import { compareDiagnostics } from '../../language/diagnostics/diagnostic.ts';
import { Generator } from '../../generators/generate.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { isMonitoringObject, planEstate, planJson, planYaml } from '../../controller/plan/index.ts';
import type { Plan, PlanOptions } from '../../controller/plan/index.ts';
import type { CommandContext } from '../command.ts';
import { EXIT_CLEAN, EXIT_FINDINGS, UsageError } from '../exit-codes.ts';
import { defaultRuntimeImage } from '../runtime-image.ts';
import { backboneFromFlags } from '../nats-options.ts';
import { TEMPORAL_PLAN_HELP, TEMPORAL_PLAN_OPTIONS, temporalFromFlags } from '../temporal-options.ts';
import { FORMATTERS } from '../format/index.ts';
import { ValidationSession } from '../../language/validation-session.ts';

export const PLAN_HELP = `Usage: interlace plan [paths...] [--offline] [options]

Renders every Kubernetes object the controller would apply for the specs (default ./specs), in apply
order: stage 1 the CRDs and namespaces, stage 2 the spec objects as custom resources, stage 3 each
route's and API's ConfigMap (its bundle), Deployment and Service. The specs must validate, pass
\`interlace check\` and generate first; otherwise the diagnostics are printed and nothing is planned.
  --offline            print the objects; no cluster needed
  (without --offline)  compare with the cluster in your kubeconfig by server-side dry-run apply
                       (field manager interlace-controller); exit 1 when anything would change
  --namespace <ns>     target namespace (default interlace)
  --estate <name>      Estate name the objects are labelled with (default local)
  --image <image>      the workers' image (default ghcr.io/interlace-dev/interlace:<version>-worker)
  --revision <rev>     source revision to annotate (default working-tree)
  --nats <url>         the NATS JetStream backbone the workers connect to (an estate with routes is
                       refused without one: plan-backbone-missing)
  --nats-credentials <type>:<secret>  userPassword, token, nkey or creds, and the Secret holding them
  --nats-ca-secret <name>  a Secret with ca.crt for the NATS server's TLS
  --temporal <host:port>             the Temporal cluster the Workflow units run on (without it they are
                                     not planned: warning plan-temporal-missing)
${TEMPORAL_PLAN_HELP}
  --no-crds            leave the CRDs out of stage 1 (the Helm chart installs them)
  --output <f>         yaml (default) or json
  --today <date>       evaluate dates as of this day, YYYY-MM-DD (default: today, UTC)
  --kubeconfig <file>  kubeconfig for the live mode (default: $KUBECONFIG or ~/.kube/config)
Exit codes: 0 planned (and, live, nothing would change), 1 rejected specs or differences, 2 the tool failed.`;

export async function runPlan(argv: string[], context: CommandContext): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      offline: { type: 'boolean', default: false },
      namespace: { type: 'string', default: 'interlace' },
      estate: { type: 'string', default: 'local' },
      image: { type: 'string' },
      revision: { type: 'string', default: 'working-tree' },
      'no-crds': { type: 'boolean', default: false },
      nats: { type: 'string' },
      'nats-credentials': { type: 'string' },
      'nats-ca-secret': { type: 'string' },
      temporal: { type: 'string' },
      ...TEMPORAL_PLAN_OPTIONS,
      output: { type: 'string', short: 'o', default: 'yaml' },
      today: { type: 'string' },
      kubeconfig: { type: 'string' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    context.stdout(PLAN_HELP + '\n');
    return EXIT_CLEAN;
  }
  if (values.output !== 'yaml' && values.output !== 'json') throw new UsageError(`unknown output "${values.output}"; outputs: yaml, json`);
  const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
  if (!dnsLabel.test(values.namespace!) || values.namespace!.length > 63)
    throw new UsageError(`--namespace "${values.namespace}" is not a DNS-1123 label`);
  if (!dnsLabel.test(values.estate!) || values.estate!.length > 63)
    throw new UsageError(`--estate "${values.estate}" is not a DNS-1123 label`);
  const today = values.today ?? new Date().toISOString().slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(today)) throw new UsageError(`--today "${today}" is not a date; write YYYY-MM-DD`);
  const paths = positionals.length > 0 ? positionals : ['specs'];
  const image = values.image ?? defaultRuntimeImage(context.version);
  const color = values['no-color'] ? false : context.color;

  // The gate: the same order the controller uses. Validation, then governance, then generation.
  const run = new ValidationSession().run(paths, { cwd: context.cwd });
  const reject = (diagnostics: readonly Diagnostic[], what: string) => {
    context.stdout(
      FORMATTERS.stylish!({
        diagnostics: [...diagnostics].sort(compareDiagnostics),
        sources: run.sources,
        fileCount: run.fileCount,
        documentCount: run.documentCount,
        color,
        toolVersion: context.version,
      }),
    );
    context.stderr(`interlace plan: ${what}; the controller would not apply this revision.\n`);
    return EXIT_FINDINGS;
  };
  if (run.diagnostics.some((d) => d.severity === 'error')) return reject(run.diagnostics, 'the specs do not validate');
  const report = checkEstate({ head: run.result, today, all: true });
  if (report.diagnostics.some((d) => d.severity === 'error'))
    return reject([...run.diagnostics, ...report.diagnostics], 'the specs fail `interlace check`');
  const generated = await new Generator().generate({
    documents: run.result.documents,
    index: run.result.index,
    support: readSupportSources(),
  });
  if (generated.diagnostics.some((d) => d.severity === 'error'))
    return reject([...run.diagnostics, ...generated.diagnostics], 'the specs do not generate');

  const backbone = backboneFromFlags(values.nats, values['nats-credentials'], values['nats-ca-secret']);
  const temporal = temporalFromFlags(values.temporal, values);
  const options: PlanOptions = { includeCrds: !values['no-crds'], ...(backbone ? { backbone } : {}), ...(temporal ? { temporal } : {}) };
  const input = {
    estate: { name: values.estate!, namespace: values.namespace! },
    targetNamespace: values.namespace!,
    revision: values.revision!,
    documents: run.result.documents,
    generated: generated.files,
    runtimeImage: image,
    options,
  };
  const plan = planEstate(input);
  if (plan.diagnostics.some((d) => d.severity === 'error')) return reject(plan.diagnostics, 'the plan has problems');

  if (values.offline) {
    context.stdout(values.output === 'json' ? planJson(plan) : planYaml(plan));
    context.stderr(summary(plan));
    return EXIT_CLEAN;
  }
  const { planAgainstCluster } = await import('../../controller/apply/plan-against-cluster.ts');
  const { KubeRest } = await import('../../controller/apply/kube-rest.ts');
  const result = await planAgainstCluster({
    rest: KubeRest.fromKubeconfig(values.kubeconfig),
    replan: (previous) => planEstate({ ...input, options: { ...options, previous } }),
    estate: input.estate,
  });
  context.stdout(result.text);
  return result.changes > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
}

function summary(plan: Plan): string {
  const count = (stage: number) => plan.objects.filter((o) => o.stage === stage).length;
  const monitoring = plan.objects.filter(isMonitoringObject).length;
  return `planned ${plan.objects.length} objects: ${count(1)} in stage 1 (CRDs, namespaces), ${count(2)} spec objects, ${count(3)} runtime objects for ${plan.units.length} units${monitoring ? ` (${monitoring} of them the Prometheus Operator's, applied where its CRDs are installed)` : ''}\n`;
}
