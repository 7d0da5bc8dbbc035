import { styleText } from 'node:util';
import { KIND_NAMES, type KindName } from '../language/kinds/registry.ts';
import type { SpecDocument } from '../language/validate/estate-index.ts';
import type { ValidationResult } from '../language/validate/validate-estate.ts';

/**
 * What the estate holds, for people: counts by kind, then the systems, the event flows and the APIs.
 * This is what `npm start` shows after validating the example estate.
 */
export function summarizeEstate(result: ValidationResult, color: boolean): string {
  const paint = (style: Parameters<typeof styleText>[0], text: string) => (color ? styleText(style, text) : text);
  // Filtered on the discriminant, so the documents are of kind K.
  const of = <K extends KindName>(kind: K) => result.documents.filter((d) => d.kind === kind) as SpecDocument<K>[];
  const lines: string[] = ['', paint('bold', 'Estate')];
  lines.push('  ' + KIND_NAMES.map((kind) => `${of(kind).length} ${kind}${of(kind).length === 1 ? '' : 's'}`).join(' · '));

  const systems = of('System');
  if (systems.length > 0) {
    lines.push('', paint('bold', 'Systems'));
    const rows = systems.map((s) => [s.name, s.spec.type, s.spec.hosting, s.spec.endpoint?.protocol ?? '', s.spec.product ?? '']);
    lines.push(...table(['NAME', 'TYPE', 'HOSTING', 'PROTOCOL', 'PRODUCT'], rows));
  }
  const routes = of('EventRoute');
  if (routes.length > 0) {
    lines.push('', paint('bold', 'Event routes'));
    const rows = routes.map((r) => [
      r.name,
      r.spec.source.system ? `${r.spec.source.system}:${r.spec.source.event ?? ''}` : `topic ${r.spec.source.topic}`,
      r.spec.source.contract,
      r.spec.targets.map((t) => t.system ?? `topic ${t.topic}`).join(', '),
    ]);
    lines.push(...table(['NAME', 'SOURCE', 'CONTRACT', 'TARGETS'], rows));
  }
  const apis = of('Api');
  if (apis.length > 0) {
    lines.push('', paint('bold', 'APIs'));
    const rows = apis.map((a) => [
      `${a.name}@${a.major}`,
      a.version ?? '',
      a.spec.basePath ?? '',
      a.spec.operations.map((o) => `${o.method} ${o.path}`).join(', '),
      a.spec.deprecation?.sunset ? `sunset ${a.spec.deprecation.sunset}` : '',
    ]);
    lines.push(...table(['API', 'VERSION', 'BASE PATH', 'OPERATIONS', 'LIFECYCLE'], rows));
  }
  const contracts = of('DataContract');
  if (contracts.length > 0) {
    const canonical = contracts.filter((c) => !c.spec.system).map((c) => `${c.name}@${c.major}`);
    const native = contracts.filter((c) => c.spec.system).map((c) => `${c.name}@${c.major}`);
    lines.push('', paint('bold', 'Contracts'));
    lines.push(`  canonical: ${canonical.join(', ') || '—'}`);
    lines.push(`  native:    ${native.join(', ') || '—'}`);
  }
  return lines.join('\n') + '\n';
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    '  ' +
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
