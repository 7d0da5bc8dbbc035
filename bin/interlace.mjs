#!/usr/bin/env node
// The one executable, for both ways Interlace runs (docs/decisions/0008-publish-compiled-javascript.md):
// - in this repository, Node runs the TypeScript sources (cli/main.ts) by stripping types;
// - installed from the package (under node_modules, where Node refuses to strip types, and where no
//   .ts sources ship), it runs the compiled dist/cli/main.js.
// Plain JavaScript that an old Node can parse, so it can say which Node it needs instead of a stack trace.
import { existsSync } from 'node:fs';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`interlace needs Node.js 22.18 or newer (this is ${process.version}); install Node 24 LTS.\n`);
  process.exit(2);
}
const source = new URL('../cli/main.ts', import.meta.url);
const runsFromSource = existsSync(source) && !import.meta.url.includes('/node_modules/');
const { main } = await import(runsFromSource ? '../cli/main.ts' : '../dist/cli/main.js');
const code = await main(process.argv.slice(2));
// Let stdout drain before exiting: a piped SARIF report must arrive whole.
process.exitCode = code;
