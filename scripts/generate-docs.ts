// Rewrites the generated reference pages under docs/.
import { writeFileSync } from 'node:fs';
import { renderDiagnosticsDoc, renderRulesDoc, renderSpecReference } from './render-docs.ts';

writeFileSync(new URL('../docs/diagnostics.md', import.meta.url), renderDiagnosticsDoc());
writeFileSync(new URL('../docs/spec-reference.md', import.meta.url), renderSpecReference());
writeFileSync(new URL('../docs/rules.md', import.meta.url), renderRulesDoc());
process.stdout.write('wrote docs/diagnostics.md, docs/spec-reference.md and docs/rules.md\n');
