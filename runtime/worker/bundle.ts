import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { validatorName } from '../../generators/shared/naming.ts';
import type { WorkerEstate } from './estate.ts';

/** `bundles/<unit>.manifest.json`, as `interlace generate` writes it (generators/bundles/units.ts). */
export interface BundleManifest {
  unit: string;
  kind: 'EventRoute' | 'Api' | 'System' | 'Workflow';
  name: string;
  major?: number;
  spec: string;
  bundle: string;
  sha256: string;
  /** `fanOut`: the mapping makes a list of messages from one (`spec.each`), each delivered on its own. */
  mappings: {
    name: string;
    from: string;
    to: string;
    function: string;
    message: string;
    fanOut?: boolean;
    /** With `spec.enrich`: the export that reads each call's placeholder values from a message. */
    enrichKeys?: string;
    enrich?: EnrichManifestEntry[];
  }[];
  contracts: string[];
  /** The export of the route's compiled `filter`, when it has one. */
  filter?: string;
  /** Systems the unit calls. */
  systems?: string[];
  /** The export holding the specs the unit needs (a WorkerEstate slice); absent in bundles of older generators. */
  estate?: string;
  /** A Workflow unit: the export holding its `WorkflowProgram`. */
  program?: string;
}

/** One `spec.enrich` entry of a mapping, as the worker calls it (runtime/delivery/enrichment.ts). */
export interface EnrichManifestEntry {
  name: string;
  system: string;
  /** `GET /items({sku})`. */
  operation: string;
  /** The answer's contract, `name@major`. */
  contract: string;
  unwrap?: string;
  optional?: boolean;
  /** `cache.ttl` as written (`5m`). */
  ttl?: string;
  maxEntries?: number;
}

/** A loaded unit: its manifest and the bundle module's exports (mappings, validators, surface). */
export interface LoadedBundle {
  manifest: BundleManifest;
  /** The bundle file (a Temporal worker bundles Workflow units' files into its sandbox). */
  file: string;
  exports: Record<string, unknown>;
}

/** A bundle directory that cannot be run: missing files, a bad manifest, a hash mismatch. */
export class BundleError extends Error {
  override readonly name = 'BundleError';
}

/** The file names of a ConfigMap-mounted unit (controller/plan/workload.ts): one unit per directory. */
const MOUNTED_MANIFEST = 'manifest.json';
const MOUNTED_BUNDLE = 'bundle.js';
/** The controller's ConfigMaps carry the bundle gzipped (controller/plan/workload.ts). */
const MOUNTED_BUNDLE_GZ = 'bundle.js.gz';
/** A bundle larger than this once decompressed is refused: a gzip bomb must not fill /tmp or the heap. */
const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

/** This process's own folder for decompressed bundles (0700, made once): nothing else writes there. */
let unpackDir: string | undefined;

interface BundleCode {
  code: Buffer;
  /** The file the module is imported from. */
  path: string;
  /** Decompressed: `path` is written only after the hash check. */
  unpacked: boolean;
}

/** The code of a unit in `interlace generate`'s output folder. */
function generatedCode(bundleDir: string, manifest: BundleManifest): BundleCode {
  const path = join(bundleDir, manifest.bundle);
  if (!existsSync(path)) throw new BundleError(`bundle file ${path} of unit ${manifest.unit} is missing`);
  return { code: readFileSync(path), path, unpacked: false };
}

/**
 * The code of a ConfigMap-mounted unit. A gzipped bundle is decompressed into a private folder under
 * the temporary directory (the root filesystem is read-only; /tmp is an emptyDir), so the module
 * keeps a file path in stack traces.
 */
function mountedCode(bundleDir: string, manifest: BundleManifest): BundleCode {
  const gz = join(bundleDir, MOUNTED_BUNDLE_GZ);
  if (!existsSync(gz)) {
    const plain = join(bundleDir, MOUNTED_BUNDLE);
    return existsSync(plain) ? { code: readFileSync(plain), path: plain, unpacked: false } : generatedCode(bundleDir, manifest);
  }
  let code: Buffer;
  try {
    code = gunzipSync(readFileSync(gz), { maxOutputLength: MAX_BUNDLE_BYTES });
  } catch (error) {
    throw new BundleError(
      `bundle ${gz} of unit ${manifest.unit} cannot be decompressed (${(error as Error).message}); plan and apply again`,
    );
  }
  unpackDir ??= mkdtempSync(join(tmpdir(), 'interlace-bundles-'));
  return { code, path: join(unpackDir, `${manifest.unit}-${manifest.sha256.slice(0, 16)}.js`), unpacked: true };
}

/**
 * Loads every unit in a bundle directory, or only `units`. Two layouts: `interlace generate`'s
 * `<out>/bundles` (`<unit>.js` + `<unit>.manifest.json`, many units) and the controller's ConfigMap
 * mount (`bundle.js.gz` or `bundle.js`, + `manifest.json`, one unit). The bundle's SHA-256 is checked against its
 * manifest, so a worker never runs code (or specs: they are inside the bundle) other than what was
 * generated and deployed. Problems are BundleErrors with a message for the operator.
 */
export async function loadBundles(bundleDir: string, units?: readonly string[]): Promise<LoadedBundle[]> {
  if (!existsSync(bundleDir) || !statSync(bundleDir).isDirectory()) throw new BundleError(`bundle directory ${bundleDir} does not exist`);
  const mounted = existsSync(join(bundleDir, MOUNTED_MANIFEST));
  const manifests = mounted
    ? [MOUNTED_MANIFEST]
    : readdirSync(bundleDir)
        .filter((name) => name.endsWith('.manifest.json'))
        .sort();
  if (manifests.length === 0)
    throw new BundleError(
      `${bundleDir} holds no bundle manifest (*.manifest.json or manifest.json); run \`interlace generate --out <dir>\` and point --bundle at <dir>/bundles`,
    );
  const out: LoadedBundle[] = [];
  for (const file of manifests) {
    const manifest = readManifest(join(bundleDir, file));
    if (units && !units.includes(manifest.unit)) continue;
    const { code, path, unpacked } = mounted ? mountedCode(bundleDir, manifest) : generatedCode(bundleDir, manifest);
    const hash = createHash('sha256').update(code).digest('hex');
    if (hash !== manifest.sha256)
      throw new BundleError(
        `bundle ${path} does not match its manifest (sha256 ${hash.slice(0, 12)}… ≠ ${manifest.sha256.slice(0, 12)}…); generate again`,
      );
    // Written only once its hash matched: what is imported is exactly what was checked.
    if (unpacked) writeFileSync(path, code, { mode: 0o600 });
    out.push({ manifest, file: path, exports: (await import(pathToFileURL(path).href)) as Record<string, unknown> });
  }
  if (units) {
    const missing = units.filter((unit) => !out.some((b) => b.manifest.unit === unit));
    if (missing.length > 0)
      throw new BundleError(`no bundle for unit(s) ${missing.join(', ')} in ${bundleDir}; it has ${manifests.join(', ')}`);
  }
  return out;
}

function readManifest(path: string): BundleManifest {
  let manifest: Partial<BundleManifest>;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as Partial<BundleManifest>;
  } catch (error) {
    throw new BundleError(`manifest ${path} cannot be read: ${(error as Error).message}`);
  }
  for (const field of ['unit', 'kind', 'name', 'bundle', 'sha256'] as const) {
    if (typeof manifest[field] !== 'string') throw new BundleError(`manifest ${path} has no ${field}; generate again`);
  }
  if (!Array.isArray(manifest.mappings)) manifest.mappings = [];
  if (!Array.isArray(manifest.contracts)) manifest.contracts = [];
  return manifest as BundleManifest;
}

type EmbeddedDocument = { metadata: { name: string }; spec: { version?: string } & Record<string, unknown> };

/**
 * The specs the loaded units need, from the bundles themselves (generators/bundles/units.ts embeds
 * them): what `interlace worker --bundle` runs on, with no spec files next to the bundle. Documents
 * several units share (a System two routes call) are kept once. Each unit embeds only the part of a
 * shared document it reads — a route unit a System's endpoint and auth, the System's source unit also
 * its `sources` — so the copies are merged field by field: a worker running both units (`--unit` twice,
 * or every unit of the directory) would otherwise keep the route's copy and start no source at all.
 */
export function estateFromBundles(bundles: readonly LoadedBundle[]): WorkerEstate {
  const estate: WorkerEstate = { routes: [], apis: [], systems: [], contracts: [] };
  const seen = new Map<string, EmbeddedDocument>();
  for (const bundle of bundles) {
    const embedded = bundle.manifest.estate
      ? (bundle.exports[bundle.manifest.estate] as Partial<Record<keyof WorkerEstate, EmbeddedDocument[]>> | undefined)
      : undefined;
    if (!embedded)
      throw new BundleError(
        `bundle of unit ${bundle.manifest.unit} carries no specs (made by an older \`interlace generate\`); generate again, or pass the specs`,
      );
    for (const key of ['routes', 'apis', 'systems', 'contracts'] as const) {
      for (const doc of embedded[key] ?? []) {
        const id = `${key}/${doc.metadata.name}@${doc.spec.version ?? ''}`;
        const kept = seen.get(id);
        if (kept) {
          // Every copy is a slice of the same spec, so a field one copy has and the other lacks is added.
          for (const [field, value] of Object.entries(doc.spec)) if (!(field in kept.spec)) kept.spec[field] = value;
          continue;
        }
        const copy = { ...doc, spec: { ...doc.spec } };
        seen.set(id, copy);
        (estate[key] as unknown[]).push(copy);
      }
    }
  }
  return estate;
}

/** `order@2` → the bundle's validator export name (`validateOrderV2`), the generator's convention. */
export function validatorExportName(name: string, major: number): string {
  return validatorName(name, major);
}

/** A generated ajv validator as the runtime calls it: problems as `path: message` lines, or undefined. */
export function validatorFrom(
  exports: Record<string, unknown>,
  name: string,
  major: number,
): ((value: unknown) => string[] | undefined) | undefined {
  const fn = exports[validatorExportName(name, major)] as
    | (((value: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null })
    | undefined;
  if (typeof fn !== 'function') return undefined;
  return (value) =>
    fn(value) ? undefined : (fn.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`);
}
