// The plan of the example estate mounts the SFTP logins where a worker opens an SFTP connection:
// the EDI partner's source unit (its X12 pickup reads /outbound and writes our 997s to /inbound,
// both on the partner's server), the route units whose targets write X12 to the partner or files to
// the finance landing zone; each key optional (a login is a private key or a password), and no other
// unit gets them (a route consuming the partner's events does not connect to its server).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planEstate } from '../../controller/plan/index.ts';
import type { KubeObject } from '../../controller/plan/index.ts';
import { readSupportSources } from '../../generators/bundles/support-sources.ts';
import { Generator } from '../../generators/generate.ts';
import { ValidationSession } from '../../language/validation-session.ts';

type EnvVar = { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } } };
const containerEnv = (deployment: KubeObject): EnvVar[] =>
  (deployment.spec as { template: { spec: { containers: { env: EnvVar[] }[] } } }).template.spec.containers[0]!.env;

describe('SFTP logins in the example estate’s plan', () => {
  it('are mounted, optional, on the units that open SFTP connections and on no other', async () => {
    const run = new ValidationSession().run([join(import.meta.dirname, '../../specs')]);
    expect(run.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const generated = await new Generator().generate({
      documents: run.result.documents,
      index: run.result.index,
      support: readSupportSources(),
    });
    const plan = planEstate({
      estate: { name: 'distribution', namespace: 'interlace-system' },
      targetNamespace: 'distribution',
      revision: 'main@sha1:0123456789abcdef0123456789abcdef01234567',
      documents: run.result.documents,
      generated: generated.files,
      runtimeImage: 'ghcr.io/interlace-dev/interlace:1.0.0',
      options: { backbone: { url: 'nats://nats.distribution:4222' }, includeCrds: false },
    });
    // The example's workflows run on Temporal, which this plan names none of: they are left out, each with a warning.
    expect(plan.diagnostics.map((d) => `${d.severity} ${d.code} ${d.file}`).sort()).toEqual([
      'warning plan-temporal-missing specs/workflows/order-to-cash.yaml',
      'warning plan-temporal-missing specs/workflows/replenishment.yaml',
    ]);
    const logins = new Map<string, string[]>();
    const deployments = new Set<string>();
    for (const { object } of plan.objects) {
      if (object.kind !== 'Deployment') continue;
      deployments.add(object.metadata.name);
      const sftp = containerEnv(object).filter((e) => /_SFTP_/.test(e.name));
      for (const e of sftp) expect(e.valueFrom?.secretKeyRef?.optional).toBe(true);
      if (sftp.length > 0)
        logins.set(object.metadata.name, sftp.map((e) => `${e.valueFrom?.secretKeyRef?.name}/${e.valueFrom?.secretKeyRef?.key}`).sort());
    }
    const partner = ['edi-partner-sftp/passphrase', 'edi-partner-sftp/password', 'edi-partner-sftp/private-key'];
    const finance = ['finance-landing-sftp/passphrase', 'finance-landing-sftp/password', 'finance-landing-sftp/private-key'];
    // The source unit of the partner: its pickup's login (the same Secret as its endpoint's, mounted once).
    expect(logins.get('source-edi-partner')).toEqual(partner);
    // The routes that write X12 to the partner, and the one that drops finance files.
    expect(logins.get('route-purchase-order-to-supplier')).toEqual(partner);
    expect(logins.get('route-shipment-asn-to-trading-partner')).toEqual(partner);
    expect(logins.get('route-finance-transactions')).toEqual(finance);
    // A unit that talks to no SFTP server gets no login (order-fulfilment: the WMS, TMS and CRM over
    // HTTP), nor does one that consumes the partner's events. Each is a Deployment of this plan, so a
    // renamed or removed unit fails here rather than passing for want of a Deployment.
    for (const unit of [
      'route-order-fulfilment',
      'route-supplier-confirmation-received',
      'route-edi-purchase-order-received',
      'source-dealer-portal',
    ]) {
      expect(deployments, unit).toContain(unit);
      expect(logins.has(unit), unit).toBe(false);
    }
  }, 60_000);
});
