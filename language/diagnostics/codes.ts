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
  'revision-too-large': {
    severity: 'error',
    title: 'The spec files together are larger than the total size limit; the files past it were not read.',
  },
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
  'yaml-alias-cycle': { severity: 'error', title: 'An alias refers to a node that contains it, making the data infinite.' },
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
  'schema-unknown-field': { severity: 'error', title: "A field is not part of the kind's schema." },
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
  'mapping-mismatch': { severity: 'error', title: "A mapping's from/to contracts disagree with the route or API that uses it." },
  'secret-inline': { severity: 'error', title: 'A credential is written as a value instead of a secret reference.' },
  'contract-schema-invalid': { severity: 'error', title: "A data contract's schema is not a valid JSON Schema." },
  'pattern-unsupported': {
    severity: 'error',
    title: 'A pattern in a contract or API parameter schema needs backtracking (lookaround, backreferences); patterns run on RE2.',
  },
  'contract-registry-invalid': {
    severity: 'error',
    title: 'A registry field (`x-interlace-registry`) names no registry, or is not a plain string field.',
  },
  'mapping-value-unregistered': {
    severity: 'error',
    title: 'A mapping writes a constant into a registry field that names no document of that kind (e.g. no such System).',
  },
  'contract-schema-keyword-refused': {
    severity: 'error',
    title: "A contract's schema holds a code keyword (tsType, tsEnumNames) that generated code would paste verbatim.",
  },
  'contract-example-invalid': { severity: 'error', title: "A data contract's example does not satisfy its own schema." },
  'contract-field-unknown': {
    severity: 'error',
    title: "identity, business keys or classification name a field the contract's schema does not have.",
  },
  'expression-invalid': { severity: 'error', title: 'An expression is empty or malformed.' },
  'mapping-rule-invalid': { severity: 'error', title: 'A mapping rule must have exactly one source (from, value, expr, lookup or each).' },
  'lookup-unresolved': { severity: 'error', title: 'A mapping rule uses a lookup table the mapping does not define.' },
  'route-target-undeliverable': {
    severity: 'error',
    title:
      'A route target delivers to a System whose protocol has no delivery adapter yet, to a file System in a format a file target does not write, or to an edi-x12 System without naming the transaction set it writes; its worker would refuse to start.',
  },
  'duplicate-entry': { severity: 'error', title: 'A list that must have unique entries (targets, operations, rule ids) repeats one.' },
  'file-location-invalid': {
    severity: 'error',
    title:
      "A file location (a file or EDI System's endpoint, a file pickup) names an sftp:// url without its login, or a login without an sftp:// url.",
  },
  'file-source-invalid': {
    severity: 'error',
    title:
      'A `sources.files` pickup cannot run as written: it names no event, it archives or refuses into the directory it reads, its glob does not parse, it sets options of another format, or an `events` key is not an X12 transaction set id or EDIFACT message type.',
  },
  'file-event-unrouted': {
    severity: 'warning',
    title:
      'A file pickup names an event (`event`, a value of `events`) that no route of its System consumes: records published as it are dropped.',
  },
  'poll-source-invalid': {
    severity: 'error',
    title:
      'A `sources.poll` entry cannot run: neither or both of `odata` and `queue`, a System without an http endpoint, or an acknowledgement path placeholder that looks like a misspelt `{id}`.',
  },
  'webhook-source-invalid': {
    severity: 'error',
    title:
      'A `sources.webhook` receiver cannot run as written: its event or delivery id is given in two places, its path is one the worker serves itself, or its delivery id header is the signature header.',
  },
  'webhook-event-unrouted': {
    severity: 'warning',
    title:
      'A webhook names an event (`event.name`, a value of `event.map`) that no route of its System consumes: such deliveries are answered 200 and dropped.',
  },
  'system-auth-ignored': {
    severity: 'warning',
    title:
      "A System's auth or CSRF setting is ignored at run time: a field of another auth type, `secretRef.key` on a type with fixed keys, `csrfFetchPath` without `csrf`, or `csrf` on a non-http endpoint.",
  },
  'system-auth-insecure': {
    severity: 'warning',
    title: 'An OAuth2 token URL is plain http (not loopback): the client secret and the tokens would cross the network unencrypted.',
  },
  'scale-invalid': {
    severity: 'error',
    title: "A unit's `scale` cannot be planned: `replicas` together with `autoscale`, or `autoscale.min` above `max`.",
  },
  'slo-invalid': {
    severity: 'error',
    title:
      'A service-level objective cannot be measured: an objective not above 0% and below 100%, a latency threshold that is not a histogram bucket, a window not longer than the evaluation interval, or an interval longer than the shortest alert window (5m).',
  },
  'slo-unknown-reference': {
    severity: 'error',
    title: 'An SLO names a target (EventRoute) or an operation (Api) that the document does not have.',
  },

  'workflow-step-invalid': {
    severity: 'error',
    title:
      'A workflow step has no action or more than one (call, publish, wait, set, branch, forEach, parallel, humanTask, end), or a `next` its action ignores.',
  },
  'workflow-unknown-step': {
    severity: 'error',
    title: 'A workflow names a step (next, onTimeout, onError, do, compensate, ...) it does not have.',
  },
  'workflow-unreachable-step': { severity: 'warning', title: 'A workflow step can never run: no step leads to it.' },
  'workflow-no-end': {
    severity: 'error',
    title: 'A workflow, forEach body or parallel branch can never finish: it reaches no `end` step, or its last step falls off the list.',
  },
  'workflow-busy-cycle': {
    severity: 'error',
    title: 'Workflow steps form a loop with no wait or human task in it: an execution would spin without pause.',
  },
  'workflow-unknown-topic': {
    severity: 'warning',
    title: 'A workflow starts from or waits on a topic that no route or workflow publishes.',
  },
  'workflow-state-field': {
    severity: 'error',
    title: 'A workflow writes (`into`, `set`) a field its state contract does not have, or has no state contract.',
  },
  'workflow-input': {
    severity: 'error',
    title: "A workflow's input contract is missing (api and schedule triggers need `input`) or differs from its event trigger's contract.",
  },
  'workflow-call-invalid': {
    severity: 'error',
    title: 'A workflow call goes to a System without an http endpoint, or an api trigger names a path its Api does not have.',
  },

  // Governance (check stage): built-in policy rules (docs/rules.md) and the policy machinery
  semver: { severity: 'error', title: 'Versions are plain semantic versions, without pre-release or build metadata.' },
  'version-bump': { severity: 'error', title: 'A changed document bumps its version: minor for additive, patch for documentation.' },
  'breaking-change-needs-major': { severity: 'error', title: 'A breaking change needs a new major version (a new document name@N+1).' },
  'removal-needs-sunset': { severity: 'error', title: 'A contract or API major is removed only after deprecation and its sunset.' },
  'sunset-never-earlier': { severity: 'error', title: 'A sunset date is never moved earlier.' },
  'deprecation-needs-sunset': { severity: 'error', title: 'A deprecation names a successor and a sunset far enough away.' },
  'owner-required': { severity: 'error', title: 'Every document names its owner.' },
  'auth-required': { severity: 'error', title: 'Every API requires authentication.' },
  'rate-limit-required': { severity: 'error', title: 'APIs have a per-client rate limit; systems a rate or concurrency budget.' },
  'pii-classified': { severity: 'error', title: 'Fields holding personal data are classified pii.' },
  'classified-data-flow': {
    severity: 'error',
    title: 'Classified data flows only to systems allowed to hold it; mappings keep classification.',
  },
  'credentials-by-secret-ref': { severity: 'error', title: 'Systems and APIs declare their auth, with credentials by secret reference.' },
  'route-delivery-bounded': { severity: 'error', title: 'Every route target has a timeout, bounded retries and a dead letter.' },
  'mapping-required-fields': { severity: 'error', title: 'A mapping fills every required field of its target contract.' },
  'naming-convention': { severity: 'warning', title: "Names, topics and operation ids follow the estate's conventions." },
  'policy-unknown-rule': { severity: 'error', title: 'A Policy configures a rule that does not exist.' },
  'policy-rule-conflict': { severity: 'error', title: 'A custom rule reuses the id of a built-in rule.' },
  'policy-param-invalid': {
    severity: 'error',
    title: "A Policy gives a built-in rule a parameter it does not take, or a value the parameter's schema rejects.",
  },
  'policy-rule-error': { severity: 'error', title: "A custom rule's CEL expression fails on a document." },
  'waiver-expired': { severity: 'error', title: 'A waiver is past its expiry date.' },
  'waiver-unused': { severity: 'warning', title: 'A waiver matches no finding.' },
  'contract-breaks-mapping': {
    severity: 'error',
    title: 'A contract change breaks a mapping that reads or writes the contract, whatever the version bump.',
  },
  'base-invalid': { severity: 'warning', title: 'The base revision has invalid documents; they are compared as if new.' },

  // Generation and mapping tests (generate and test commands): docs/generate.md
  'mapping-field-unknown': { severity: 'error', title: 'A mapping rule names a source or target field its contract does not declare.' },
  'mapping-type-error': {
    severity: 'error',
    title: 'A mapping rule makes a value whose type does not fit the target field (found by type-checking the generated code).',
  },
  'mapping-target-unmapped': { severity: 'error', title: 'A required field of the target contract has no mapping rule.' },
  'mapping-unsupported': { severity: 'error', title: 'A mapping uses an expression, conversion or option the compiler does not support.' },
  'route-filter-unsupported': {
    severity: 'error',
    title: 'A route filter uses CEL the compiler does not support (it is compiled like a mapping expression).',
  },
  'route-filter-type-error': {
    severity: 'error',
    title:
      'A route filter is not a boolean over `event`, or uses a value that may be missing (found by type-checking the compiled filter).',
  },
  'generated-stale': {
    severity: 'error',
    title: 'A generated file is missing or differs from what the specs generate (`interlace generate --check`).',
  },
  'workflow-type-error': {
    severity: 'error',
    title:
      "A workflow expression does not type-check against the contracts it reads or makes (input, state, a wait's event, a publish's contract).",
  },
  'workflow-expression-unsupported': {
    severity: 'error',
    title: 'A workflow expression uses CEL outside the subset the compiler supports.',
  },
  'mapping-test-failed': { severity: 'error', title: 'A mapping test produced output that differs from its expected output.' },
  'mapping-test-fixture': { severity: 'error', title: 'A mapping test fixture cannot be read, parsed or pointed into.' },
  'x12-syntax': { severity: 'error', title: 'An X12 EDI fixture is malformed (envelope, delimiters, segment structure).' },
  // Planning what the controller applies (controller/plan)
  'plan-bundle-too-large': { severity: 'error', title: "A deployable unit's bundle is larger than a ConfigMap can hold (1 MiB)." },
  'plan-bundle-missing': {
    severity: 'error',
    title: 'A deployable unit has no generated bundle (its route or API could not be generated).',
  },
  'plan-backbone-missing': {
    severity: 'error',
    title: 'The estate has routes but its Estate names no NATS backbone, so each worker pod would consume its own empty store.',
  },
  'plan-temporal-missing': {
    severity: 'warning',
    title: 'The estate has workflows but its Estate names no Temporal cluster, so no worker runs them.',
  },
} as const satisfies Record<string, CodeInfo>;

export type Code = keyof typeof CODES;
