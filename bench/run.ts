/**
 * `npm run bench -- <name>`: runs bench/<name>.ts. Benchmarks print wall time, peak RSS and ratios
 * against a floor (the bare cost of the work) and against peers; they are not tests.
 */
const BENCHES = [
  'validate',
  'mapping',
  'generate',
  'check',
  'backbone',
  'reconcile',
  'pipeline',
  'api',
  'edi',
  'adapters',
  'map',
  'workflow',
];
const names = process.argv.slice(2);
if (names.length === 0) {
  console.error(`usage: npm run bench -- <${BENCHES.join('|')}>`);
  process.exit(2);
}
for (const name of names) {
  if (!BENCHES.includes(name)) {
    console.error(`unknown benchmark "${name}"; benchmarks: ${BENCHES.join(', ')}`);
    process.exit(2);
  }
  let module: { run: () => void | Promise<void> };
  try {
    module = await import(`./${name}.ts`);
  } catch (error) {
    console.error(`benchmark "${name}" is not available yet: ${(error as Error).message}`);
    process.exit(2);
  }
  await module.run();
}
