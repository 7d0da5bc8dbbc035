// Rewrites the generated reference pages under docs/.
import { writeFileSync } from 'node:fs';
import { renderDiagnosticsDoc, renderSpecReference } from './render-docs.ts';

writeFileSync(new URL('../docs/diagnostics.md', import.meta.url), renderDiagnosticsDoc());
writeFileSync(new URL('../docs/spec-reference.md', import.meta.url), renderSpecReference());
process.stdout.write('wrote docs/diagnostics.md and docs/spec-reference.md\n');
