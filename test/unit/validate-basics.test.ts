import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { tempTree } from '../helpers/temp-tree.ts';

const contract = (name: string, version: string, extra = '') => `apiVersion: interlace.dev/v1alpha1
kind: DataContract
metadata:
  name: ${name}
spec:
  version: ${version}
  owner: team-o2c
  identity: [orderNumber]
  schema:
    type: object
    properties:
      orderNumber: { type: string }
${extra}`;

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

describe('interlace validate', () => {
  it('exits 0 on a clean estate and 1 with positioned findings otherwise', async () => {
    const tree = tempTree({ 'specs/order.yaml': contract('order', '2.0.0') });
    cleanup = tree.cleanup;
    const clean = await runCli(['validate'], tree.root);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('no problems in 1 document in 1 file');

    const broken = tempTree({ 'specs/order.yaml': contract('order', '2.0.0').replace('identity:', 'idenity:') });
    cleanup = () => {
      tree.cleanup();
      broken.cleanup();
    };
    const result = await runCli(['validate', '--format', 'json'], broken.root);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.diagnostics).toEqual([
      expect.objectContaining({
        code: 'schema-unknown-field',
        file: 'specs/order.yaml',
        path: ['spec', 'idenity'],
        range: { start: { line: 8, column: 3 }, end: { line: 8, column: 10 } },
        message: expect.stringContaining('did you mean `identity`'),
      }),
    ]);
  });

  it('resolves references by major and by range, and reports ambiguity', async () => {
    const mapping = (to: string) => `apiVersion: interlace.dev/v1alpha1
kind: Mapping
metadata: { name: m }
spec:
  from: order@1
  to: ${to}
  rules: [{ target: orderNumber, from: orderNumber }]
`;
    const tree = tempTree({
      'specs/order-v1.yaml': contract('order', '1.4.0'),
      'specs/order-v2.yaml': contract('order', '2.1.0'),
      'specs/m.yaml': mapping('order@>=1'),
    });
    cleanup = tree.cleanup;
    const result = await runCli(['validate', '--format', 'json'], tree.root);
    const codes = JSON.parse(result.stdout).diagnostics.map((d: { code: string }) => d.code);
    expect(codes).toEqual(['ref-ambiguous']);
  });

  it('exits 2 on bad usage without a stack trace', async () => {
    const result = await runCli(['validate', '--format', 'xml'], '/');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown format "xml"');
    expect(result.stderr).not.toContain('    at ');
  });
});

describe('references to a name of another kind', () => {
  it('say which kind the name is instead of "does not exist"', async () => {
    const route = `apiVersion: interlace.dev/v1alpha1
kind: EventRoute
metadata: { name: r }
spec:
  source: { topic: orders.canonical, contract: order@2 }
  targets:
    - { name: t, topic: orders.out, mapping: order }
`;
    const tree = tempTree({ 'specs/order.yaml': contract('order', '2.0.0'), 'specs/route.yaml': route });
    try {
      const result = await runCli(['validate', '--format', 'json'], tree.root);
      const [finding] = JSON.parse(result.stdout).diagnostics;
      expect(finding).toMatchObject({
        code: 'ref-wrong-kind',
        file: 'specs/route.yaml',
        message: '"order" is a DataContract, not a Mapping',
        range: { start: { line: 7 } },
      });
    } finally {
      tree.cleanup();
    }
  });
});
