import type { Severity } from './diagnostic.ts';

/**
 * The catalog of diagnostic codes the spec language reports. SARIF output lists these as rules and
 * docs/diagnostics.md documents them; a test keeps the three in step.
 */
export interface CodeInfo {
  severity: Severity;
  /** One line: what the code means. */
  title: string;
}

export const CODES = {
  // Reading files (source stage)
  'file-too-large': { severity: 'error', title: 'A spec file is larger than the size limit and was not read.' },
  'file-binary': { severity: 'error', title: 'A .yaml/.yml file holds binary content (NUL bytes).' },
  'file-encoding': { severity: 'error', title: 'A spec file is not valid UTF-8.' },
  'file-bom': { severity: 'error', title: 'A spec file starts with a byte-order mark.' },
  'file-unreadable': { severity: 'error', title: 'A path could not be read (missing, permission denied, not a file).' },
  'path-outside-root': { severity: 'error', title: 'A symbolic link points outside the directory being validated.' },
  'path-symlink-loop': { severity: 'error', title: 'A symbolic link loops back on itself.' },
  'no-spec-files': { severity: 'error', title: 'No .yaml or .yml files were found under the given paths.' },

  // Parsing YAML (load stage)
  'yaml-syntax': { severity: 'error', title: 'The file is not well-formed YAML.' },
  'yaml-duplicate-key': { severity: 'error', title: 'A mapping has the same key twice; YAML forbids it and tools disagree on which wins.' },
  'yaml-tab-indent': { severity: 'error', title: 'A tab character is used for indentation; YAML allows only spaces.' },
  'yaml-alias-limit': { severity: 'error', title: 'Aliases expand to too many nodes (a "billion laughs" document).' },
  'yaml-too-deep': { severity: 'error', title: 'Nesting is deeper than the limit.' },
  'yaml-warning': { severity: 'warning', title: 'The YAML parser reported a warning.' },
  'empty-file': { severity: 'error', title: 'A spec file holds no documents.' },
  'empty-document': { severity: 'error', title: 'A document in a multi-document file is empty.' },
  'document-not-mapping': { severity: 'error', title: 'A document is not a mapping with apiVersion, kind, metadata and spec.' },
  'unsafe-key': { severity: 'error', title: 'A key such as __proto__ or constructor is reserved and rejected everywhere.' },

  // Envelope and schema (validate stage)
  'unknown-api-version': { severity: 'error', title: 'apiVersion is not interlace.dev/v1alpha1.' },
  'unknown-kind': { severity: 'error', title: 'kind is not one of the Interlace spec kinds.' },
  'invalid-name': { severity: 'error', title: 'metadata.name is not a DNS-1123 label.' },
  'schema-required': { severity: 'error', title: 'A required field is missing.' },
  'schema-unknown-field': { severity: 'error', title: 'A field is not part of the kind\'s schema.' },
  'schema-type': { severity: 'error', title: 'A value has the wrong type.' },
  'schema-enum': { severity: 'error', title: 'A value is not one of the allowed values.' },
  'schema-format': { severity: 'error', title: 'A value does not match its format (date, uri, duration, ...).' },
  'schema-pattern': { severity: 'error', title: 'A string does not match its pattern.' },
  'schema-range': { severity: 'error', title: 'A number, string, list or map is out of its allowed size or range.' },
  'schema-violation': { severity: 'error', title: 'A value breaks another schema rule.' },

  // Meaning (validate stage)
  'invalid-semver': { severity: 'error', title: 'A version is not a semantic version (MAJOR.MINOR.PATCH).' },
  'invalid-reference': { severity: 'error', title: 'A reference is not written name@major or name@range.' },
  'duplicate-identity': { severity: 'error', title: 'Two documents have the same kind, name and major version.' },
  'ref-unresolved': { severity: 'error', title: 'A reference names no document.' },
  'ref-ambiguous': { severity: 'error', title: 'A reference matches more than one document.' },
  'ref-cycle': { severity: 'error', title: 'References form a cycle (successors, or event routes that feed each other).' },
  'ref-wrong-kind': { severity: 'error', title: 'A reference points at a document of the wrong kind or role.' },
  'mapping-mismatch': { severity: 'error', title: 'A mapping\'s from/to contracts disagree with the route or API that uses it.' },
  'secret-inline': { severity: 'error', title: 'A credential is written as a value instead of a secret reference.' },
  'contract-schema-invalid': { severity: 'error', title: 'A data contract\'s schema is not a valid JSON Schema.' },
  'contract-example-invalid': { severity: 'error', title: 'A data contract\'s example does not satisfy its own schema.' },
  'contract-field-unknown': { severity: 'error', title: 'identity, business keys or classification name a field the contract\'s schema does not have.' },
  'expression-invalid': { severity: 'error', title: 'An expression is empty or malformed.' },
  'mapping-rule-invalid': { severity: 'error', title: 'A mapping rule must have exactly one source (from, value, expr, lookup or each).' },
  'lookup-unresolved': { severity: 'error', title: 'A mapping rule uses a lookup table the mapping does not define.' },
  'duplicate-entry': { severity: 'error', title: 'A list that must have unique entries (targets, operations, rule ids) repeats one.' },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;
