// Regenerates controller/kinds/generated/kinds.ts from the kinds' JSON Schemas.
import { writeFileSync } from 'node:fs';
import { renderKindTypes } from '../controller/kinds/kind-types.ts';

const target = new URL('../controller/kinds/generated/kinds.ts', import.meta.url);
writeFileSync(target, await renderKindTypes());
process.stdout.write(`wrote ${target.pathname}\n`);
