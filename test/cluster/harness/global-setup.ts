// vitest globalSetup for the cluster tier: builds the control plane if it is missing (once per machine),
// starts it, hands the kubeconfig to the tests (inject('cluster')) and always tears it down.
//
// Skipping rule: when the Go toolchain needed to build the binaries is missing, the tier is skipped with
// the reason and the way to enable it printed — except with INTERLACE_REQUIRE_ALL_TIERS=1 (set by CI),
// where the setup fails. Any other failure (a build error, a control plane that does not start) fails.
import { createServer } from 'node:http';
import type { TestProject } from 'vitest/node';
import { ensureBinaries, GoToolchainMissing } from './binaries.ts';
import { startControlPlane, type ControlPlane } from './control-plane.ts';
import type { ClusterInfo } from './context.ts';

const ENABLE_HINT =
  'install Go >= 1.26 (then `npx vitest run --config test/cluster/vitest.cluster.config.ts` builds the control plane once, about 6 min on 2 cores, cached afterwards), or point KUBEBUILDER_ASSETS at a folder with kube-apiserver and etcd';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const required = process.env.INTERLACE_REQUIRE_ALL_TIERS === '1';
  let cp: ControlPlane | undefined;
  try {
    const bins = await ensureBinaries();
    cp = await startControlPlane(bins, { workloads: true });
    if (!cp.workloads && required) {
      throw new Error(
        `INTERLACE_REQUIRE_ALL_TIERS=1 but ${bins.dir} has no kube-controller-manager, kube-scheduler and kwok: Deployments cannot roll out`,
      );
    }
  } catch (err) {
    if (err instanceof GoToolchainMissing && !required) {
      const reason = `cluster tier skipped: ${err.message}. To enable it: ${ENABLE_HINT}.`;
      process.stderr.write(`\n[cluster] ${reason}\n\n`);
      const info: ClusterInfo = { available: false, skipReason: reason };
      project.provide('cluster', info);
      return async () => {};
    }
    if (err instanceof GoToolchainMissing) {
      throw new Error(`[cluster] INTERLACE_REQUIRE_ALL_TIERS=1: the cluster tier must run, but ${err.message}. Fix: ${ENABLE_HINT}.`, {
        cause: err,
      });
    }
    throw err;
  }

  // Tests run in worker processes; what only this process can do (restart the API server) is offered
  // to them on a loopback endpoint whose URL they get in the injected info.
  const running0 = cp;
  const control = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/restart-apiserver') {
      running0.restartApiServer().then(
        (r) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(r)),
        (e: Error) => res.writeHead(500).end(e.message),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  const controlAddress = control.address();
  const controlUrl = typeof controlAddress === 'object' && controlAddress ? `http://127.0.0.1:${controlAddress.port}` : '';

  const previousKubeconfig = process.env.KUBECONFIG;
  process.env.KUBECONFIG = cp.kubeconfigPath; // for kubectl that tests spawn without --kubeconfig
  const info: ClusterInfo = {
    available: true,
    kubeconfigPath: cp.kubeconfigPath,
    server: cp.server,
    version: cp.version,
    workloads: cp.workloads,
    nodeName: cp.nodeName ?? '',
    logDir: cp.logDir,
    startupMs: cp.startupMs,
    controlUrl,
  };
  project.provide('cluster', info);
  const running = cp;
  return async () => {
    control.close();
    if (previousKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = previousKubeconfig;
    await running.stop();
  };
}
