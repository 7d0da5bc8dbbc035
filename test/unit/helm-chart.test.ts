// The Helm chart: `helm lint` and `helm template` with Helm built by scripts/build-helm.sh
// (`go install helm.sh/helm/v3/cmd/helm@v3.22.0`, cached). Without Go the tests skip with the reason,
// except under INTERLACE_REQUIRE_ALL_TIERS=1, where they fail.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { crdFiles } from '../../generators/crds/crds.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHART = `${ROOT}charts/interlace`;

function findHelm(): { helm: string } | { skip: string } {
  const built = spawnSync('bash', [`${ROOT}scripts/build-helm.sh`], { encoding: 'utf8', timeout: 900_000 });
  const path = built.stdout.trim().split('\n').pop();
  if (built.status === 0 && path) return { helm: path };
  const reason = `helm could not be built (scripts/build-helm.sh exit ${built.status}): ${built.stderr.trim().split('\n').slice(-3).join(' ')}`;
  if (process.env.INTERLACE_REQUIRE_ALL_TIERS === '1') throw new Error(reason);
  return { skip: reason };
}
const found = findHelm();
if ('skip' in found) console.warn(`[helm] skipped: ${found.skip}`);
const helm = (...args: string[]) => execFileSync((found as { helm: string }).helm, args, { encoding: 'utf8', cwd: ROOT });

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}
type Obj = { kind: string; metadata: { name: string; namespace?: string }; rules?: Rule[]; spec?: any; subjects?: any[] };
const render = (...set: string[]) =>
  parseAllDocuments(helm('template', 'rel', CHART, '--namespace', 'interlace-system', ...set.flatMap((s) => ['--set', s])))
    .map((d) => d.toJS() as Obj)
    .filter((o) => o);
const one = (objects: Obj[], kind: string) => objects.filter((o) => o.kind === kind);
const asLines = (rules: Rule[]) =>
  rules.map(
    (r) =>
      `${r.apiGroups.join(',') || 'core'} ${r.resources.join(',')}${r.resourceNames ? `[${r.resourceNames.join(',')}]` : ''}: ${r.verbs.join(',')}`,
  );

describe.skipIf('skip' in found)('Helm chart charts/interlace', () => {
  it('helm lint passes', () => {
    expect(helm('lint', CHART, '--strict')).toContain('0 chart(s) failed');
  });

  it('renders the controller: Deployment, ServiceAccount, RBAC, metrics Service (no NetworkPolicy by default)', () => {
    const objects = render();
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ClusterRole/rel-interlace',
      'ClusterRoleBinding/rel-interlace',
      'Deployment/rel-interlace',
      'Role/rel-interlace-leader-election',
      'RoleBinding/rel-interlace-leader-election',
      'Service/rel-interlace-metrics',
      'ServiceAccount/rel-interlace',
    ]);
    const pod = one(objects, 'Deployment')[0]!.spec.template.spec;
    const c = pod.containers[0];
    expect(c.image).toBe('ghcr.io/interlace-dev/interlace:0.1.0');
    // Only flags `interlace controller` accepts (test/cluster/chart-install.test.ts runs it with these).
    expect(c.args).toEqual([
      'controller',
      '--leader-elect',
      '--lease-name=interlace-controller-leader',
      '--identity=$(POD_NAME)',
      '--metrics-addr=:8080',
      '--webhook-addr=:9292',
      '--workers=4',
      '--log-level=info',
      '--kube-api-qps=50',
      '--kube-api-burst=100',
      '--runtime-image=ghcr.io/interlace-dev/interlace:0.1.0-worker',
      '--git-cache=/var/cache/interlace/git',
    ]);
    expect(c.env.map((e: { name: string }) => e.name)).toEqual(['POD_NAMESPACE', 'POD_NAME', 'NODE_OPTIONS']);
    expect(c.env[2].value).toBe('--max-semi-space-size=4 --max-old-space-size=256');
    expect(c.ports.map((p: { name: string; containerPort: number }) => `${p.name}:${p.containerPort}`)).toEqual([
      'metrics:8080',
      'webhook:9292',
    ]);
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(c.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c.resources.limits.memory).toBe('512Mi');
    expect(pod.serviceAccountName).toBe('rel-interlace');
    expect(one(objects, 'Service')[0]!.spec.ports).toEqual([{ name: 'metrics', port: 8080, targetPort: 'metrics', protocol: 'TCP' }]);
  });

  it('RBAC is exactly what the controller needs: no wildcard, no cluster-admin', () => {
    const objects = render();
    expect(asLines(one(objects, 'ClusterRole')[0]!.rules!)).toEqual([
      'interlace.dev estates: get,list,watch,patch',
      'interlace.dev estates/status: patch',
      'interlace.dev apis,datacontracts,eventroutes,mappings,policies,systems,workflows: get,list,create,patch,delete',
      'interlace.dev apis/status,datacontracts/status,eventroutes/status,mappings/status,policies/status,systems/status,workflows/status: patch',
      'interlace.dev apis/finalizers,eventroutes/finalizers: update',
      'apps deployments: get,list,create,patch,delete',
      'autoscaling horizontalpodautoscalers: get,list,create,patch,delete',
      'core configmaps,services: get,list,create,patch,delete',
      'monitoring.coreos.com prometheusrules,podmonitors: get,list,create,patch,delete',
      'core pods: list',
      'events.k8s.io events: create',
      'core namespaces: get,create,patch',
      'core secrets: get',
    ]);
    expect(asLines(one(objects, 'Role')[0]!.rules!)).toEqual([
      'coordination.k8s.io leases: create',
      'coordination.k8s.io leases[interlace-controller-leader]: get,update',
    ]);
    const binding = one(objects, 'ClusterRoleBinding')[0] as any;
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'rel-interlace' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'rel-interlace', namespace: 'interlace-system' }]);
    const text = JSON.stringify(objects.filter((o) => o.kind.includes('Role')));
    expect(text).not.toContain('"*"');
    expect(text).not.toContain('cluster-admin');
  });

  it('switches narrow RBAC further: no secrets, no leader election (and no --leader-elect); CRD management only with --install-crds', () => {
    const narrow = render('readSecrets=false', 'leaderElection.enabled=false');
    const rules = asLines(one(narrow, 'ClusterRole')[0]!.rules!);
    expect(rules.some((r) => r.includes('secrets'))).toBe(false);
    expect(rules.some((r) => r.includes('customresourcedefinitions'))).toBe(false);
    expect(one(narrow, 'Role')).toEqual([]);
    const narrowArgs: string[] = one(narrow, 'Deployment')[0]!.spec.template.spec.containers[0].args;
    expect(narrowArgs.filter((a) => /leader|lease|identity|install-crds/.test(a))).toEqual([]);
    const withCrds = render('installCrds=true');
    expect(asLines(one(withCrds, 'ClusterRole')[0]!.rules!)).toContain('apiextensions.k8s.io customresourcedefinitions: get,create,patch');
    expect(one(withCrds, 'Deployment')[0]!.spec.template.spec.containers[0].args).toContain('--install-crds');
  });

  it('every flag the chart passes is one `interlace controller` accepts', () => {
    const help = execFileSync(`${ROOT}node_modules/.bin/node`, [`${ROOT}bin/interlace.mjs`, 'controller', '--help'], { encoding: 'utf8' });
    const args: string[] = one(render('installCrds=true', 'controller.allowedTargetNamespaces={shop=shop-prod}'), 'Deployment')[0]!.spec
      .template.spec.containers[0].args;
    const flags = args.slice(1).map((a) => a.split('=')[0]!);
    expect(flags.filter((f) => !help.includes(`  ${f} `))).toEqual([]);
  });

  it('Estates write only to their own namespace unless the admin lists others; file:// sources are never allowed by the chart', () => {
    const args = (...set: string[]): string[] => one(render(...set), 'Deployment')[0]!.spec.template.spec.containers[0].args;
    expect(args().filter((a) => a.startsWith('--allow'))).toEqual([]);
    expect(args('controller.allowedTargetNamespaces={shop=shop-prod,*=sandbox}').filter((a) => a.startsWith('--allow'))).toEqual([
      '--allow-target-namespace=shop=shop-prod',
      '--allow-target-namespace=*=sandbox',
    ]);
  });

  it('optional NetworkPolicy and webhook Service', () => {
    const objects = render('networkPolicy.enabled=true', 'webhook.service.enabled=true');
    expect(one(objects, 'NetworkPolicy')).toHaveLength(1);
    expect(
      one(objects, 'Service')
        .map((s) => s.metadata.name)
        .sort(),
    ).toEqual(['rel-interlace-metrics', 'rel-interlace-webhook']);
  });

  it("the chart's CRDs are the generated ones (`node scripts/generate-crds.ts` when this fails) and helm installs them", () => {
    const expected = crdFiles();
    const dir = `${CHART}/crds`;
    expect(readdirSync(dir).sort()).toEqual([...expected.keys()]);
    for (const [name, text] of expected) expect(readFileSync(`${dir}/${name}`, 'utf8'), name).toBe(text);
    const withCrds = parseAllDocuments(helm('template', 'rel', CHART, '--include-crds'))
      .map((d) => d.toJS() as Obj)
      .filter((o) => o?.kind === 'CustomResourceDefinition');
    expect(withCrds.map((o) => o.metadata.name).sort()).toEqual([
      'apis.interlace.dev',
      'datacontracts.interlace.dev',
      'estates.interlace.dev',
      'eventroutes.interlace.dev',
      'mappings.interlace.dev',
      'policies.interlace.dev',
      'systems.interlace.dev',
      'workflows.interlace.dev',
    ]);
  });

  it('nats.enabled installs a JetStream StatefulSet with a PVC and makes it the default backbone; nats.url points at an existing one', () => {
    expect(render().filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    const objects = render('nats.enabled=true', 'nats.credentials=token:nats-worker');
    const sts = one(objects, 'StatefulSet')[0]!;
    expect(sts.metadata.name).toBe('rel-interlace-nats');
    const nats = sts.spec.template.spec.containers[0];
    expect(nats.image).toMatch(/^docker\.io\/library\/nats:/);
    expect(nats.args).toContain('--jetstream');
    expect(nats.volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }]);
    expect(sts.spec.volumeClaimTemplates[0]).toMatchObject({
      metadata: { name: 'data' },
      spec: { resources: { requests: { storage: '10Gi' } } },
    });
    expect(one(objects, 'Service').map((s) => s.metadata.name)).toContain('rel-interlace-nats');
    const args: string[] = one(objects, 'Deployment')[0]!.spec.template.spec.containers[0].args;
    expect(args).toContain('--nats-url=nats://rel-interlace-nats.interlace-system.svc:4222');
    expect(args).toContain('--nats-credentials=token:nats-worker');

    const existing: string[] = one(render('nats.url=nats://nats.shared:4222'), 'Deployment')[0]!.spec.template.spec.containers[0].args;
    expect(existing).toContain('--nats-url=nats://nats.shared:4222');
    expect(render('nats.url=nats://nats.shared:4222').filter((o) => o.kind === 'StatefulSet')).toEqual([]);
  });

  it('temporal.* points Estates at an existing Temporal cluster: the controller flags, nothing installed, nothing without an address', () => {
    const argsOf = (...set: string[]): string[] => one(render(...set), 'Deployment')[0]!.spec.template.spec.containers[0].args;
    expect(argsOf().filter((a) => a.startsWith('--temporal'))).toEqual([]);
    const objects = render(
      'temporal.address=temporal-frontend.temporal:7233',
      'temporal.namespace=orders',
      'temporal.image=ghcr.io/interlace-dev/interlace:0.1.0-temporal',
      'temporal.mtlsSecret=temporal-client',
      'temporal.apiKeySecret=temporal-cloud:key',
    );
    expect(objects.map((o) => o.kind).filter((k) => k === 'StatefulSet')).toEqual([]);
    expect(one(objects, 'Deployment')[0]!.spec.template.spec.containers[0].args.filter((a: string) => a.startsWith('--temporal'))).toEqual([
      '--temporal-address=temporal-frontend.temporal:7233',
      '--temporal-namespace=orders',
      '--temporal-image=ghcr.io/interlace-dev/interlace:0.1.0-temporal',
      '--temporal-mtls-secret=temporal-client',
      '--temporal-api-key-secret=temporal-cloud:key',
    ]);
  });

  it('every value in values.yaml is documented', () => {
    const lines = readFileSync(`${CHART}/values.yaml`, 'utf8').split('\n');
    const undocumented = lines.flatMap((line, i) => {
      const match = /^(\s*)([A-Za-z][\w]*):\s*(\S.*)?$/.exec(line);
      if (!match) return [];
      const isLeaf = match[3] !== undefined;
      if (!isLeaf) return [];
      const inBlock = lines
        .slice(0, i)
        .reverse()
        .find((l) => /^\s*[A-Za-z][\w]*:\s*$/.test(l) && l.search(/\S/) < match[1]!.length && l.trim() === 'resources:');
      if (inBlock) return []; // a documented block's members (resources.requests.cpu)
      return /^\s*# -- /.test(lines[i - 1] ?? '') ? [] : [match[2]];
    });
    expect(undocumented).toEqual([]);
  });
});
