#!/usr/bin/env node
// The CLI is TypeScript run by Node's built-in type stripping (Node >= 22.18), so there is no build step.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `interlace needs Node.js 22.18 or newer (this is ${process.version}).\n` +
      'Inside this project, `npm start` and `npm test` use the Node 24 that `npm ci` installs; elsewhere install Node 24 LTS.\n',
  );
  process.exit(2);
}
const { main } = await import('../cli/main.ts');
const code = await main(process.argv.slice(2));
// Let stdout drain before exiting: a piped SARIF report must arrive whole.
process.exitCode = code;
