import semver from 'semver';
import { parseSpecFile } from '../language/load/parse-file.ts';
import { loadSources } from '../language/load/load-sources.ts';
import type { ContractVersion } from '../governance/contract-changes.ts';
import type { Diagnostic } from '../language/diagnostics/diagnostic.ts';
import { decodeSpecBytes } from '../language/source/decode.ts';
import { GitRepository } from '../language/source/git-repository.ts';
import { gitBlobId, readGitRevision } from '../language/source/read-git-revision.ts';
import { identityOf } from '../language/validate/estate-index.ts';
import { validateEstate } from '../language/validate/validate-estate.ts';
import type { ValidationResult } from '../language/validate/validate-estate.ts';
import type { ValidationRun, ValidationSession } from '../language/validation-session.ts';

export interface BaseSnapshot {
  ref: string;
  commit: string;
  result: ValidationResult;
  /** Problems of the base revision itself: reported as one note, never fatal. */
  problems: Diagnostic[];
  /** Display paths changed since the base (renames followed). */
  touchedFiles: Set<string>;
  history: Map<string, ContractVersion[]>;
}

const TRANSITIVE = new Set<string | undefined>(['BACKWARD_TRANSITIVE', 'FORWARD_TRANSITIVE', 'FULL_TRANSITIVE']);

/**
 * Everything `check --base` needs from git: the estate at the base commit (read from objects, no
 * checkout), which files the change touched, and for contracts with a _TRANSITIVE compatibility mode
 * every earlier version of the same major in the base's history (at most `historyLimit` commits each).
 */
export async function gatherBase(
  cwd: string,
  ref: string,
  paths: readonly string[],
  head: ValidationRun,
  session: ValidationSession,
  options: { maxFileBytes: number; historyLimit: number },
): Promise<BaseSnapshot> {
  const repo = await GitRepository.open(cwd);
  const commit = await repo.resolveCommit(ref);
  // A file whose blob id at the base equals the working tree's is not read or parsed again: its
  // documents (and their cached per-document checks) are reused. On a typical pull request that is
  // nearly every file.
  const headBlobIds = new Map([...head.sources].map(([path, text]) => [path, gitBlobId(text)]));
  const revision = await readGitRevision(
    repo,
    commit,
    paths,
    cwd,
    options.maxFileBytes,
    (shown, objectId) => headBlobIds.get(shown) === objectId,
  );
  const loaded = loadSources(revision.files);
  const reused = revision.unchanged.flatMap((path) => session.parsedFile(path)?.documents ?? []);
  const result = validateEstate([...reused, ...loaded.documents], session.checks);
  const reusedProblems = revision.unchanged.flatMap((path) => session.parsedFile(path)?.diagnostics ?? []);
  const problems = [...revision.diagnostics, ...loaded.diagnostics, ...reusedProblems, ...result.diagnostics];

  const repoPaths = paths.map((p) => repo.toRepoPath(cwd, p));
  const { changed } = await repo.changesSince(commit, repoPaths);
  const touchedFiles = new Set([...changed.keys()].map(revision.displayPath));

  const history = new Map<string, ContractVersion[]>();
  const baseByIdentity = new Map(result.documents.map((doc) => [identityOf(doc), doc]));
  for (const doc of head.result.documents) {
    if (doc.kind !== 'DataContract' || !TRANSITIVE.has(doc.spec.compatibility)) continue;
    const identity = identityOf(doc);
    const atBase = baseByIdentity.get(identity);
    // The identity starts with the kind, so the base document is a contract too.
    if (atBase?.kind !== 'DataContract') continue;
    const repoPath = repo.toRepoPath(cwd, atBase.source.file);
    const commits = await repo.history(commit, repoPath, options.historyLimit);
    const blobs = await repo.readBlobs(commits.map((c) => `${c.commit}:${c.path}`));
    const versions = new Map<string, ContractVersion>();
    for (const entry of [...commits].reverse()) {
      const bytes = blobs.get(`${entry.commit}:${entry.path}`);
      const text = bytes ? decodeSpecBytes(entry.path, bytes).text : undefined;
      if (text === undefined) continue;
      for (const old of parseSpecFile({ path: entry.path, text }).documents) {
        const value = old.value as { kind?: string; metadata?: { name?: string }; spec?: { version?: string; schema?: object } };
        const version = value.spec?.version;
        if (value.kind !== 'DataContract' || value.metadata?.name !== doc.name || typeof version !== 'string' || !value.spec?.schema)
          continue;
        if (Number(version.split('.')[0]) !== doc.major || versions.has(version)) continue;
        versions.set(version, { version, schema: value.spec.schema });
      }
    }
    versions.delete(atBase.version!);
    const earlier = [...versions.values()]
      .filter((v) => semver.valid(v.version) && semver.lt(v.version, atBase.version!))
      .sort((a, b) => semver.compare(a.version, b.version));
    history.set(identity, [...earlier, { version: atBase.version!, schema: atBase.spec.schema }]);
  }
  return { ref, commit, result, problems, touchedFiles, history };
}
