// Regenerates language/kinds/generated/kinds.ts from the kinds' JSON Schemas.
import { writeFileSync } from 'node:fs';
import { renderKindTypes } from '../language/kinds/kind-types.ts';

const target = new URL('../language/kinds/generated/kinds.ts', import.meta.url);
writeFileSync(target, await renderKindTypes());
process.stdout.write(`wrote ${target.pathname}\n`);
