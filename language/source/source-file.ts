/** A spec file read from disk or from git: its display path and its decoded text. */
export interface SourceFile {
  /** Path as shown to the user (relative to the working directory when possible, `/`-separated). */
  path: string;
  text: string;
  /** Absolute path on disk, when the file came from the working tree (watchers match on it). */
  realPath?: string;
}
