import type { Diagnostic } from '../diagnostics/diagnostic.ts';
import { locate } from '../diagnostics/locate.ts';
import { API_VERSION, KIND_NAMES, isKindName } from '../kinds/registry.ts';
import type { KindName } from '../kinds/registry.ts';
import type { LoadedDocument } from '../load/loaded-document.ts';
import { didYouMean } from '../../lib/did-you-mean.ts';

/**
 * Checks apiVersion and kind before anything else: without them no schema applies, and a precise
 * message ("did you mean DataContract?") beats a wall of schema errors.
 */
export function checkEnvelope(document: LoadedDocument): { kind?: KindName; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const { apiVersion, kind } = document.value;
  const at = (path: string[], key = false) => locate(document, path, { key });

  if (apiVersion === undefined) {
    diagnostics.push({
      code: 'schema-required',
      severity: 'error',
      file: document.file,
      range: at([]),
      path: ['apiVersion'],
      message: 'missing required field `apiVersion`',
      hint: `Add \`apiVersion: ${API_VERSION}\` at the top of the document.`,
    });
  } else if (apiVersion !== API_VERSION) {
    diagnostics.push({
      code: 'unknown-api-version',
      severity: 'error',
      file: document.file,
      range: at(['apiVersion']),
      path: ['apiVersion'],
      message: `unknown apiVersion ${JSON.stringify(apiVersion)}; Interlace reads ${API_VERSION}`,
      hint: `Write \`apiVersion: ${API_VERSION}\`.`,
    });
  }

  if (kind === undefined) {
    diagnostics.push({
      code: 'schema-required',
      severity: 'error',
      file: document.file,
      range: at([]),
      path: ['kind'],
      message: 'missing required field `kind`',
      hint: `Add \`kind:\` with one of ${KIND_NAMES.join(', ')}.`,
    });
    return { diagnostics };
  }
  if (!isKindName(kind)) {
    const suggestion = typeof kind === 'string' ? didYouMean(kind, KIND_NAMES) : undefined;
    diagnostics.push({
      code: 'unknown-kind',
      severity: 'error',
      file: document.file,
      range: at(['kind']),
      path: ['kind'],
      message: `unknown kind ${JSON.stringify(kind)}${suggestion ? `; did you mean ${suggestion}?` : ''}`,
      hint: suggestion ? `Write \`kind: ${suggestion}\` (kinds are case-sensitive).` : `kind is one of ${KIND_NAMES.join(', ')}.`,
    });
    return { diagnostics };
  }
  return { kind: diagnostics.length === 0 ? kind : undefined, diagnostics };
}
