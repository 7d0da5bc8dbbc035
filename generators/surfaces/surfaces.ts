import type { Diagnostic } from '../../language/diagnostics/diagnostic.ts';
import type { EstateIndex, SpecDocument } from '../../language/validate/estate-index.ts';
import type { ContractEntry } from '../estate-view.ts';
import { contractFor } from '../estate-view.ts';
import type { MappingUnit } from '../generate.ts';
import { apiModule } from './api-surface.ts';
import { routeModule } from './route-surface.ts';
import type { CompiledFilter } from './route-surface.ts';
import type { GenerateProblem } from '../mappings/problem.ts';

/** A deployable unit's typed surface: its module and the generated modules it uses. */
export interface SurfaceUnit {
  /** `route-shipment-dispatched`, `api-order-status-v1`. */
  id: string;
  doc: SpecDocument;
  module: string;
  mappings: MappingUnit[];
  contracts: ContractEntry[];
  /** An EventRoute's compiled `filter`, type-checked with the module. */
  filter?: CompiledFilter;
  /** Problems found compiling the unit's surface (an unsupported filter): the unit gets no bundle. */
  problems: GenerateProblem[];
}

/**
 * Typed surfaces for the runtime: for each Api a handler interface and a typed client, for each
 * EventRoute typed consume/publish signatures and a dispatcher that applies the target mappings.
 */
export function surfaceModules(
  documents: readonly SpecDocument[],
  index: EstateIndex,
  contracts: readonly ContractEntry[],
  mappings: readonly MappingUnit[],
): { files: Map<string, string>; units: SurfaceUnit[]; diagnostics: Diagnostic[] } {
  const files = new Map<string, string>();
  const units: SurfaceUnit[] = [];
  const contract = (ref: unknown) => contractFor(index, contracts, ref);
  const mapping = (name: unknown) => mappings.find((m) => m.doc.name === name);
  for (const doc of [...documents].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : (a.major ?? 0) - (b.major ?? 0)))) {
    if (doc.kind === 'Api' && doc.major !== undefined) {
      const built = apiModule(doc, contract, mapping);
      files.set(built.path, built.text);
      units.push({
        id: `api-${doc.name}-v${doc.major}`,
        doc,
        module: built.path,
        mappings: built.mappings,
        contracts: built.contracts,
        problems: [],
      });
    } else if (doc.kind === 'EventRoute') {
      const built = routeModule(doc, contract, mapping);
      if (!built) continue;
      files.set(built.path, built.text);
      units.push({
        id: `route-${doc.name}`,
        doc,
        module: built.path,
        mappings: built.mappings,
        contracts: built.contracts,
        problems: built.problems,
        ...(built.filter ? { filter: built.filter } : {}),
      });
    }
  }
  return { files, units, diagnostics: [] };
}
