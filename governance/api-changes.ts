import { isDeepStrictEqual } from 'node:util';
import { parseDuration } from '../lib/duration.ts';
import type { PathSegment } from '../language/diagnostics/diagnostic.ts';
import type { SpecOf } from '../language/kinds/kind-documents.ts';
import type { SpecDocument } from '../language/validate/estate-index.ts';
import type { BreakingChange, ChangeSize } from './breaking-change.ts';
import { findIncompatibilities } from './compat/index.ts';
import { contractKey, withoutKeys } from './spec-compare.ts';

/** An API operation as the Api kind's schema declares it. */
type Operation = SpecOf<'Api'>['operations'][number];

/**
 * What breaks an API's clients, in the spirit of oasdiff: operations removed or moved, required
 * parameters or bodies added, parameters narrowed, response contract or success status changed,
 * auth or scopes added, rate limit lowered, base path moved, removal before the sunset.
 */
export function compareApis(
  before: SpecDocument<'Api'>,
  after: SpecDocument<'Api'>,
  today: string,
): { breaking: BreakingChange[]; size: ChangeSize } {
  const breaking: BreakingChange[] = [];
  const add = (path: PathSegment[], change: string, message: string, hint: string) =>
    breaking.push({ doc: after, path, change, message, hint, affects: 'clients' });
  const newMajor = `Keep this version as it is and make the change in ${after.name}@${(after.major ?? 0) + 1}, deprecating this one with a sunset.`;
  const sunset = before.spec.deprecation?.sunset as string | undefined;
  const beforeSunset = sunset !== undefined && today < sunset ? ` before its sunset (${sunset})` : '';

  if (before.spec.basePath !== after.spec.basePath) {
    add(
      ['spec', 'basePath'],
      'base-path-changed',
      `base path moved from ${before.spec.basePath ?? '(none)'} to ${after.spec.basePath ?? '(none)'}`,
      newMajor,
    );
  }
  const opsBefore = new Map<string, Operation>(before.spec.operations.map((o) => [o.id, o]));
  const opsAfter = after.spec.operations;
  const afterIds = new Set(opsAfter.map((o) => o.id));
  for (const [id, old] of opsBefore) {
    if (!afterIds.has(id)) {
      add(
        ['spec', 'operations'],
        'operation-removed',
        `operation \`${id}\` (${old.method} ${old.path}) was removed${beforeSunset}`,
        beforeSunset
          ? `Clients may call it until ${sunset}; keep it until then.`
          : `Deprecate it first (Deprecation and Sunset headers tell clients), then remove it in ${after.name}@${(after.major ?? 0) + 1}.`,
      );
    }
  }
  opsAfter.forEach((op, i) => {
    const old = opsBefore.get(op.id);
    if (!old) return;
    const at = (...rest: PathSegment[]): PathSegment[] => ['spec', 'operations', i, ...rest];
    if (old.method !== op.method || old.path !== op.path) {
      add(
        at(old.method !== op.method ? 'method' : 'path'),
        'operation-moved',
        `operation \`${op.id}\` moved from ${old.method} ${old.path} to ${op.method} ${op.path}`,
        newMajor,
      );
    }
    const paramsBefore = new Map((old.parameters ?? []).map((p) => [`${p.in}:${p.name}`, p]));
    (op.parameters ?? []).forEach((param, j) => {
      const prior = paramsBefore.get(`${param.in}:${param.name}`);
      const required = param.required === true || param.in === 'path';
      if (required && (!prior || !(prior.required === true || prior.in === 'path'))) {
        add(
          at('parameters', j),
          'required-parameter-added',
          `operation \`${op.id}\` now requires ${param.in} parameter \`${param.name}\``,
          'Existing clients do not send it. Make it optional with a server-side default, or add it in a new major.',
        );
      }
      if (prior) {
        for (const problem of findIncompatibilities(param.schema ?? { type: 'string' }, prior.schema ?? { type: 'string' })) {
          add(
            at('parameters', j, 'schema'),
            'parameter-narrowed',
            `${param.in} parameter \`${param.name}\` of \`${op.id}\`: ${problem.message}`,
            'Values clients send today would be rejected. Accept the old values too, or change it in a new major.',
          );
        }
      }
    });
    const bodyRequired = (o: Operation) => o.request !== undefined && o.requestRequired !== false;
    if (bodyRequired(op) && !bodyRequired(old)) {
      add(
        at('request'),
        old.request === undefined ? 'request-body-added' : 'request-body-required',
        `operation \`${op.id}\` now requires a request body (${op.request})`,
        'Existing clients send none. Make it optional (`requestRequired: false`), or add it in a new major.',
      );
    } else if (op.request !== undefined && old.request !== undefined && !sameContract(op.request, old.request)) {
      add(
        at('request'),
        'request-contract-changed',
        `request body of \`${op.id}\` changed from ${old.request} to ${op.request}`,
        'Clients still send the old contract. Accept both, or change it in a new major.',
      );
    }
    if (!sameContract(op.response?.contract, old.response?.contract)) {
      add(
        at('response', 'contract'),
        'response-contract-changed',
        `response of \`${op.id}\` changed from ${old.response?.contract} to ${op.response?.contract}`,
        'Clients read the old contract. Evolve it compatibly within its major, or change the response in a new API major.',
      );
    }
    if ((op.response?.status ?? 200) !== (old.response?.status ?? 200)) {
      add(
        at('response', 'status'),
        'success-status-changed',
        `success status of \`${op.id}\` changed from ${old.response?.status ?? 200} to ${op.response?.status ?? 200}`,
        'Clients check for the old status. Keep it, or change it in a new major.',
      );
    }
    const added = (op.scopes ?? []).filter((s: string) => !(old.scopes ?? []).includes(s));
    if (added.length > 0) {
      add(
        at('scopes'),
        'scopes-added',
        `operation \`${op.id}\` now requires scope${added.length > 1 ? 's' : ''} ${added.join(', ')}`,
        'Existing tokens lack the new scopes and will get 403. Grant them to every client first, or require them in a new major.',
      );
    }
  });

  const authType = (doc: SpecDocument<'Api'>) => (doc.spec.auth?.type ?? 'none') as string;
  if (authType(before) === 'none' && authType(after) !== 'none') {
    add(
      ['spec', 'auth', 'type'],
      'auth-added',
      `authentication (${authType(after)}) is now required`,
      'Existing clients send no credentials. Announce it and require it in a new major.',
    );
  } else if (authType(before) !== authType(after)) {
    add(
      ['spec', 'auth', 'type'],
      'auth-changed',
      `authentication changed from ${authType(before)} to ${authType(after)}`,
      'Existing clients hold the old kind of credential. Accept both for a while, or change it in a new major.',
    );
  } else {
    const addedScopes = (after.spec.auth?.scopes ?? []).filter((s: string) => !(before.spec.auth?.scopes ?? []).includes(s));
    if (addedScopes.length > 0) {
      add(
        ['spec', 'auth', 'scopes'],
        'scopes-added',
        `every operation now requires scope${addedScopes.length > 1 ? 's' : ''} ${addedScopes.join(', ')}`,
        'Existing tokens lack the new scopes and will get 403. Grant them to every client first, or require them in a new major.',
      );
    }
  }
  const rate = (doc: SpecDocument<'Api'>) => ratePerSecond(doc.spec.rateLimit);
  if (rate(after) < rate(before)) {
    add(
      ['spec', 'rateLimit'],
      'rate-limit-lowered',
      `rate limit lowered from ${describeRate(before.spec.rateLimit)} to ${describeRate(after.spec.rateLimit)}`,
      'Clients sized for the old limit will get 429s. Lower it only after checking their traffic, and announce it.',
    );
  }

  let size: ChangeSize = 'none';
  if (breaking.length > 0) size = 'breaking';
  else if (!isDeepStrictEqual(strip(before.spec), strip(after.spec))) size = 'additive';
  else if (!isDeepStrictEqual(before.spec, after.spec)) size = 'docs';
  return { breaking, size };
}

/** The same contract name and major (a range and a major naming the same document count as equal). */
function sameContract(a: string | undefined, b: string | undefined): boolean {
  return a === b || (!!a && !!b && contractKey(a) === contractKey(b));
}

function ratePerSecond(limit: { requests: number; per: string } | undefined): number {
  if (!limit) return Infinity;
  const per = parseDuration(limit.per);
  // A window the schema already refused (or zero) says nothing about the rate: treat it as no limit.
  if (!per.ok || per.ms === 0) return Infinity;
  return limit.requests / (per.ms / 1000);
}

function describeRate(limit: { requests: number; per: string } | undefined): string {
  return limit ? `${limit.requests} per ${limit.per}` : 'unlimited';
}

/** The spec without fields that only document (descriptions, summaries, owner, deprecation notices). */
const strip = (spec: unknown) => withoutKeys(spec, ['description', 'summary', 'owner', 'deprecation']);
