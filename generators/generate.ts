import type { Diagnostic, PathSegment } from '../language/diagnostics/diagnostic.ts';
import { compareDiagnostics } from '../language/diagnostics/diagnostic.ts';
import { locate } from '../language/diagnostics/locate.ts';
import type { SpecOf } from '../language/kinds/kind-documents.ts';
import type { EstateIndex, SpecDocument } from '../language/validate/estate-index.ts';
import { contractFor, contractsOf } from './estate-view.ts';
import type { ContractEntry } from './estate-view.ts';
import { compileChain } from './mappings/compile-chain.ts';
import { compileMapping } from './mappings/compile-mapping.ts';
import type { CompiledMapping, MappingSpec } from './mappings/compile-mapping.ts';
import { explainTypeError } from './mappings/messages.ts';
import type { GenerateProblem } from './mappings/problem.ts';
import { isWithin, ruleAt } from './mappings/rule-target.ts';
import { GeneratedProgram } from './mappings/typecheck.ts';
import { innermostSpan } from './shared/code-builder.ts';
import { sha256, stableJson } from './shared/hash.ts';
import { contractDeclarations, typesModule } from './types/generate-types.ts';
import { validatorModule } from './validators/generate-validators.ts';
import { surfaceModules } from './surfaces/surfaces.ts';
import type { SurfaceUnit } from './surfaces/surfaces.ts';
import { bundleUnits } from './bundles/units.ts';
import { monitoringFiles } from './monitoring/monitoring-files.ts';
import { workflowBundleFiles, workflowDiagnostics, workflowFiles, workflowUnits } from './workflows/generate-workflows.ts';

/** Bumped when generated output changes shape, so incremental caches from older versions are not reused. */
export const GENERATOR_VERSION = '1';

export interface GenerateInput {
  /** Documents that passed validation. */
  documents: readonly SpecDocument[];
  index: EstateIndex;
  /** generators/support/*.ts by file name (see readSupportSources). */
  support: ReadonlyMap<string, string>;
  /** Also type-check and emit bundles (default true); `interlace test` only needs the mappings. */
  bundles?: boolean;
  /** Also generate the validators (default true); `interlace check` only type-checks mappings, which need the types alone. */
  validators?: boolean;
  /**
   * Type-check the workflows even without bundles (default: only with them); `interlace check` does, for
   * the workflows that call with a mapping a contract change reaches.
   */
  workflows?: boolean;
}

/** What one generated mapping is, for `interlace test` and the bundles. */
export interface MappingUnit {
  doc: SpecDocument<'Mapping'>;
  compiled: CompiledMapping;
  path: string;
  source: ContractEntry;
  target: ContractEntry;
  /** The answer contract of each `spec.enrich` entry, by name (empty without enrichment). */
  enrich: ReadonlyMap<string, ContractEntry>;
  /** False when the mapping has errors; its tests are not run. */
  ok: boolean;
}

export interface GenerateResult {
  /** Output path (relative to --out) → content. */
  files: Map<string, string>;
  diagnostics: Diagnostic[];
  contracts: ContractEntry[];
  mappings: MappingUnit[];
  /** Mapping names compiled and type-checked in this run (the rest came from the cache). */
  rebuilt: string[];
}

interface MappingCacheEntry {
  key: string;
  compiled: CompiledMapping;
  diagnostics: Diagnostic[];
}

/**
 * The generate stage: specs → types, validators, typed mappings, typed surfaces and bundles, plus
 * Diagnostics positioned in the YAML. Deterministic (same input, byte-identical files) and free of
 * I/O. A Generator remembers what it built, so a second run rebuilds and re-checks only mappings
 * whose inputs changed.
 */
export class Generator {
  private readonly declarations = new Map<string, { key: string; text: string }>();
  private readonly validators = new Map<string, { key: string; text: string; error?: string }>();
  private readonly mappingCache = new Map<string, MappingCacheEntry>();
  private readonly program = new GeneratedProgram();
  /** Type-check results of route modules with a filter, by module path. */
  private readonly filterCache = new Map<string, { key: string; diagnostics: Diagnostic[] }>();

  async generate(input: GenerateInput): Promise<GenerateResult> {
    const diagnostics: Diagnostic[] = [];
    const files = new Map<string, string>();
    const contracts = contractsOf(input.documents);

    for (const [name, text] of input.support) files.set(`support/${name}`, text);

    // Types: one shared module; each contract's declarations are cached by its content.
    const declarations = new Map<string, string>();
    await Promise.all(
      contracts.map(async (contract) => {
        const key = sha256(
          stableJson([GENERATOR_VERSION, contract.name, contract.major, contract.version, contract.description, contract.schema]),
        );
        let cached = this.declarations.get(contract.typeName);
        if (!cached || cached.key !== key) {
          cached = { key, text: await contractDeclarations(contract) };
          this.declarations.set(contract.typeName, cached);
        }
        declarations.set(contract.typeName, cached.text);
      }),
    );
    files.set('types.ts', typesModule(declarations));

    for (const contract of input.validators === false ? [] : contracts) {
      const key = sha256(stableJson([GENERATOR_VERSION, contract.name, contract.major, contract.schema]));
      let cached = this.validators.get(contract.typeName);
      if (!cached || cached.key !== key) {
        const result = validatorModule(contract);
        cached = result.ok ? { key, text: result.text } : { key, text: '', error: result.message };
        this.validators.set(contract.typeName, cached);
      }
      if (cached.error) {
        diagnostics.push(
          at(
            contract.doc,
            ['spec', 'schema'],
            'contract-schema-invalid',
            `cannot generate a validator: ${cached.error}`,
            'Fix the schema; `interlace validate` shows where.',
          ),
        );
      } else {
        files.set(contract.validatorPath, cached.text);
      }
    }

    // Mappings: compile, then type-check together with the types and the runtime support.
    const units: MappingUnit[] = [];
    const rebuilt: string[] = [];
    const typesText = files.get('types.ts')!;
    const pending: { unit: MappingUnit; key: string; local: Diagnostic[] }[] = [];
    const mappingDocs = input.documents.filter((d) => d.kind === 'Mapping').sort((a, b) => (a.name < b.name ? -1 : 1));
    // Chains last: they call the modules of their steps.
    for (const doc of mappingDocs.filter((d) => d.spec.steps === undefined)) {
      const source = contractFor(input.index, contracts, doc.spec.from);
      const target = contractFor(input.index, contracts, doc.spec.to);
      if (!source || !target) continue;
      // Each enrichment's answer contract; an unresolved one is a reference error already reported.
      const enrich = new Map<string, ContractEntry>();
      for (const [name, lookup] of Object.entries(doc.spec.enrich ?? {})) {
        const answer = contractFor(input.index, contracts, lookup?.contract);
        if (answer) enrich.set(name, answer);
      }
      if (enrich.size < Object.keys(doc.spec.enrich ?? {}).length) continue;
      const key = sha256(
        stableJson([
          GENERATOR_VERSION,
          doc.name,
          doc.spec.unwrap,
          doc.spec.rules,
          doc.spec.lookups,
          doc.spec.enrich,
          [...enrich.values()].map((c) => [c.reference, c.schema, declarations.get(c.typeName)]),
          source.reference,
          source.schema,
          target.reference,
          target.schema,
          declarations.get(source.typeName),
          declarations.get(target.typeName),
        ]),
      );
      const path = `mappings/${doc.name}.ts`;
      const cached = this.mappingCache.get(doc.name);
      if (cached && cached.key === key) {
        diagnostics.push(...cached.diagnostics);
        files.set(path, cached.compiled.text);
        units.push({
          doc,
          compiled: cached.compiled,
          path,
          source,
          target,
          enrich,
          ok: !cached.diagnostics.some((d) => d.severity === 'error'),
        });
        continue;
      }
      rebuilt.push(doc.name);
      const compiled = compileMapping({
        name: doc.name,
        spec: doc.spec as MappingSpec,
        source: { reference: source.reference, typeName: source.typeName, schema: source.schema },
        target: { reference: target.reference, typeName: target.typeName, schema: target.schema },
        enrich: new Map([...enrich].map(([name, c]) => [name, { reference: c.reference, typeName: c.typeName, schema: c.schema }])),
      });
      files.set(path, compiled.text);
      const local = compiled.problems.map((p) => problemDiagnostic(doc, p));
      const unit: MappingUnit = { doc, compiled, path, source, target, enrich, ok: true };
      units.push(unit);
      pending.push({ unit, key, local });
    }
    for (const doc of mappingDocs.filter((d) => d.spec.steps !== undefined)) {
      const source = contractFor(input.index, contracts, doc.spec.from);
      const target = contractFor(input.index, contracts, doc.spec.to);
      const steps = (doc.spec.steps ?? []).map((name) => units.find((u) => u.doc.name === name));
      // Unknown steps and nested chains are validation errors (check-mapping-chains.ts).
      if (!source || !target || steps.some((s) => s === undefined)) continue;
      const compiled = compileChain({
        name: doc.name,
        source: { reference: source.reference, typeName: source.typeName, schema: source.schema },
        target: { reference: target.reference, typeName: target.typeName, schema: target.schema },
        steps: steps.map((s) => ({ name: s!.doc.name, compiled: s!.compiled })),
      });
      const path = `mappings/${doc.name}.ts`;
      files.set(path, compiled.text);
      const unit: MappingUnit = { doc, compiled, path, source, target, enrich: new Map(), ok: true };
      units.push(unit);
      // A chain is as good as its steps; it is checked whenever one of them is.
      const key = sha256(stableJson([GENERATOR_VERSION, doc.name, compiled.text, ...steps.map((s) => s!.compiled.text)]));
      const cached = this.mappingCache.get(doc.name);
      if (cached && cached.key === key && !pending.some((p) => steps.includes(p.unit))) {
        diagnostics.push(...cached.diagnostics);
        unit.ok = !cached.diagnostics.some((d) => d.severity === 'error') && steps.every((s) => s!.ok);
        continue;
      }
      rebuilt.push(doc.name);
      pending.push({ unit, key, local: [] });
    }

    // Surfaces come before the type check: a route's compiled filter is checked with the mappings.
    const surfaces = input.bundles !== false ? surfaceModules(input.documents, input.index, contracts, units) : undefined;
    const filterUnits = (surfaces?.units ?? []).filter((u) => u.filter !== undefined);
    const filterChecks = filterUnits.map((unit) => {
      const text = surfaces!.files.get(unit.module)!;
      const key = sha256(stableJson([GENERATOR_VERSION, text, typesText, ...unit.mappings.map((m) => m.compiled.text)]));
      const cached = this.filterCache.get(unit.module);
      return { unit, text, key, cached: cached && cached.key === key ? cached : undefined };
    });
    const filtersToCheck = filterChecks.filter((f) => f.cached === undefined);

    if (pending.length > 0 || filtersToCheck.length > 0) {
      const programFiles = new Map<string, string>([['types.ts', typesText]]);
      for (const [name, text] of input.support) programFiles.set(`support/${name}`, text);
      for (const unit of units) programFiles.set(unit.path, unit.compiled.text);
      for (const { unit, text } of filterChecks) programFiles.set(unit.module, text);
      this.program.update(programFiles);
      const errors = this.program.check([...pending.map((p) => p.unit.path), ...filtersToCheck.map((f) => f.unit.module)]);
      for (const { unit, key, local } of pending) {
        const typeDiagnostics = withoutEchoes(
          errors
            .filter((e) => e.file === unit.path)
            .map((e) => typeErrorDiagnostic(unit, e))
            .filter((d): d is Diagnostic => d !== undefined),
        );
        const all = dedupe([...local, ...typeDiagnostics]);
        this.mappingCache.set(unit.doc.name, { key, compiled: unit.compiled, diagnostics: all });
        unit.ok = !all.some((d) => d.severity === 'error');
        // A chain whose step has errors cannot run either (its tests are not run, it gets no bundle).
        const steps = unit.doc.spec.steps ?? [];
        if (steps.some((name) => units.find((u) => u.doc.name === name)?.ok === false)) unit.ok = false;
        diagnostics.push(...all);
      }
      for (const check of filtersToCheck) {
        const found = dedupe(errors.filter((e) => e.file === check.unit.module).map((e) => filterTypeDiagnostic(check.unit, e)));
        check.cached = { key: check.key, diagnostics: found };
        this.filterCache.set(check.unit.module, check.cached);
      }
    }
    for (const name of [...this.mappingCache.keys()]) if (!units.some((u) => u.doc.name === name)) this.mappingCache.delete(name);
    for (const path of [...this.filterCache.keys()]) if (!filterUnits.some((u) => u.module === path)) this.filterCache.delete(path);

    // Workflows: the IR and the expression module of each, type-checked with everything above.
    const workflows = workflowUnits(input.documents, input.index, contracts);
    for (const unit of workflows) for (const [path, text] of workflowFiles(unit)) files.set(path, text);
    if (workflows.length > 0 && (input.bundles !== false || input.workflows === true)) {
      const programFiles = new Map<string, string>([['types.ts', typesText]]);
      for (const [name, text] of input.support) programFiles.set(`support/${name}`, text);
      for (const unit of units) programFiles.set(unit.path, unit.compiled.text);
      for (const { unit, text } of filterChecks) programFiles.set(unit.module, text);
      for (const unit of workflows) programFiles.set(unit.module.path, unit.module.text);
      this.program.update(programFiles);
      const errors = this.program.check(workflows.map((w) => w.module.path));
      for (const unit of workflows) {
        const found = workflowDiagnostics(unit, errors);
        diagnostics.push(...found);
        // A workflow that type-checks gets its unit: one self-contained module exporting `program`, and its manifest.
        if (input.bundles !== false && !found.some((d) => d.severity === 'error'))
          for (const [path, text] of workflowBundleFiles(unit, files, input.documents)) files.set(path, text);
      }
    } else {
      for (const unit of workflows) diagnostics.push(...workflowDiagnostics(unit, []));
    }

    if (surfaces) {
      for (const [path, text] of surfaces.files) files.set(path, text);
      diagnostics.push(...surfaces.diagnostics);
      const failed = new Set<string>();
      for (const unit of surfaces.units) {
        const unitDiagnostics = [
          ...unit.problems.map((p) => problemDiagnostic(unit.doc, p)),
          ...(filterChecks.find((f) => f.unit === unit)?.cached?.diagnostics ?? []),
        ];
        if (unitDiagnostics.some((d) => d.severity === 'error')) failed.add(unit.id);
        diagnostics.push(...unitDiagnostics);
      }
      // A unit whose filter does not compile gets no bundle: running it unfiltered would route events it must not.
      const bundled = surfaces.units.filter((u) => !failed.has(u.id));
      for (const [path, text] of bundleUnits(input.documents, input.index, contracts, units, files, bundled)) files.set(path, text);
    }
    if (input.bundles !== false) for (const [path, text] of monitoringFiles(input.documents)) files.set(path, text);

    return { files: sortedMap(files), diagnostics: diagnostics.sort(compareDiagnostics), contracts, mappings: units, rebuilt };
  }
}

function sortedMap(files: Map<string, string>): Map<string, string> {
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function at(
  doc: SpecDocument,
  path: PathSegment[],
  code: string,
  message: string,
  hint: string,
  options: { key?: boolean; severity?: 'error' | 'warning' } = {},
): Diagnostic {
  return {
    code,
    severity: options.severity ?? 'error',
    message,
    hint,
    file: doc.source.file,
    path,
    range: locate(doc.source, path, { key: options.key }),
  };
}

function problemDiagnostic(doc: SpecDocument, problem: GenerateProblem): Diagnostic {
  return at(doc, problem.path, problem.code, problem.message, problem.hint, { key: problem.key, severity: problem.severity });
}

/** A type error in a generated mapping, moved to the rule whose code caused it. */
function typeErrorDiagnostic(
  unit: MappingUnit,
  error: { start: number; code: number; message: string; length: number; file: string },
): Diagnostic | undefined {
  const span = innermostSpan(unit.compiled.spans, error.start);
  const path = span?.tag ?? ['spec', 'rules'];
  // A rule with a problem found before type checking already has a diagnostic; its type errors are echoes.
  if (unit.compiled.problemPaths.some((p) => isWithin(path, p) || isWithin(p, path))) return undefined;
  const rule = ruleAt(unit.doc.spec, path);
  const snippet = error.length > 0 && error.length < 200 ? unit.compiled.text.slice(error.start, error.start + error.length) : undefined;
  const from = rule ? ruleFrom(unit.doc.spec, rule.rulePath) : undefined;
  const explained = explainTypeError(
    error,
    rule?.target ?? unit.doc.name,
    unit.target.typeName,
    snippet,
    unit.target.reference,
    from === undefined ? undefined : `\`${from}\` is optional in ${unit.source.reference}`,
  );
  return at(unit.doc, path, 'mapping-type-error', explained.message, explained.hint);
}

/** A type error in a route module: inside the compiled filter it is the filter's, anything else is a generator bug. */
function filterTypeDiagnostic(unit: SurfaceUnit, error: { start: number; message: string }): Diagnostic {
  const inFilter = unit.filter !== undefined && error.start >= unit.filter.start && error.start < unit.filter.end;
  const first = error.message.split('\n')[0]!;
  const notBoolean = /^Type '(.+)' is not assignable to type 'boolean \| undefined'/.exec(first);
  const message = notBoolean
    ? `the expression gives a ${notBoolean[1]!.replace(/ \| undefined$/, ' (or nothing)')}, not a boolean (true routes the event)`
    : first.replace(/\bv_/g, '');
  return at(
    unit.doc,
    ['spec', 'filter'],
    'route-filter-type-error',
    inFilter ? `filter: ${message}` : `the generated route module does not type-check (a generator bug): ${message}`,
    inFilter
      ? 'A filter must be a boolean over `event`; a field that may be missing needs `has(event.field) && …` before it is compared or computed with.'
      : 'Report it with the spec that caused it.',
  );
}

/** The `from` path of the rule at `rulePath` (`['spec', 'rules', 3]`), if it has one. */
function ruleFrom(spec: SpecOf<'Mapping'>, rulePath: readonly PathSegment[]): string | undefined {
  let node: unknown = { spec };
  for (const segment of rulePath)
    node = node !== null && typeof node === 'object' ? (node as Record<PathSegment, unknown>)[segment] : undefined;
  const from = node !== null && typeof node === 'object' ? (node as { from?: unknown }).from : undefined;
  return typeof from === 'string' ? from : undefined;
}

/**
 * A failed `+` (an overloaded call) also makes the checker guess the call's type, so the same rule
 * gets a second, misleading "the value is number" error: only the `+` error is kept for that rule.
 */
function withoutEchoes(diagnostics: Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic) => d.path.join('\u0000');
  const plusAt = new Set(diagnostics.filter((d) => d.message.includes('`+`')).map(key));
  // In `a + b + c`, a missing `b` also fails the outer `+`: report the cause, not the knock-on error.
  const missingAt = new Set(diagnostics.filter((d) => d.message.includes('`+` on a value that may be missing')).map(key));
  return diagnostics.filter((d) =>
    d.message.includes('`+`') ? !missingAt.has(key(d)) || d.message.includes('may be missing') : !plusAt.has(key(d)),
  );
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.code}\u0000${d.message}\u0000${d.path.join('\u0000')}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
