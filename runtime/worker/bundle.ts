import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { validatorName } from '../../generators/shared/naming.ts';

/** `bundles/<unit>.manifest.json`, as `interlace generate` writes it (generators/bundles/units.ts). */
export interface BundleManifest {
  unit: string;
  kind: 'EventRoute' | 'Api';
  name: string;
  major?: number;
  spec: string;
  bundle: string;
  sha256: string;
  mappings: { name: string; from: string; to: string; function: string; message: string }[];
  contracts: string[];
}

/** A loaded unit: its manifest and the bundle module's exports (mappings, validators, surface). */
export interface LoadedBundle {
  manifest: BundleManifest;
  exports: Record<string, unknown>;
}

/**
 * Loads every unit in a bundle directory (`<out>/bundles`), or only `units`. The bundle's SHA-256 is
 * checked against its manifest, so a worker never runs code other than what was generated and deployed.
 */
export async function loadBundles(bundleDir: string, units?: readonly string[]): Promise<LoadedBundle[]> {
  const manifests = readdirSync(bundleDir).filter((name) => name.endsWith('.manifest.json')).sort();
  const out: LoadedBundle[] = [];
  for (const file of manifests) {
    const manifest = JSON.parse(readFileSync(join(bundleDir, file), 'utf8')) as BundleManifest;
    if (units && !units.includes(manifest.unit)) continue;
    const path = join(bundleDir, manifest.bundle);
    const code = readFileSync(path);
    const hash = createHash('sha256').update(code).digest('hex');
    if (hash !== manifest.sha256) throw new Error(`bundle ${manifest.bundle} does not match its manifest (sha256 ${hash.slice(0, 12)}… ≠ ${manifest.sha256.slice(0, 12)}…); generate again`);
    out.push({ manifest, exports: (await import(pathToFileURL(path).href)) as Record<string, unknown> });
  }
  if (units) {
    const missing = units.filter((unit) => !out.some((b) => b.manifest.unit === unit));
    if (missing.length > 0) throw new Error(`no bundle for unit(s) ${missing.join(', ')} in ${bundleDir}`);
  }
  return out;
}

/** `order@2` → the bundle's validator export name (`validateOrderV2`), the generator's convention. */
export function validatorExportName(name: string, major: number): string {
  return validatorName(name, major);
}

/** A generated ajv validator as the runtime calls it: problems as `path: message` lines, or undefined. */
export function validatorFrom(exports: Record<string, unknown>, name: string, major: number): ((value: unknown) => string[] | undefined) | undefined {
  const fn = exports[validatorExportName(name, major)] as ((value: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null } | undefined;
  if (typeof fn !== 'function') return undefined;
  return (value) => (fn(value) ? undefined : (fn.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || '/'}: ${e.message ?? 'invalid'}`));
}
