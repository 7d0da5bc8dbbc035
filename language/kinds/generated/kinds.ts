/* eslint-disable */
/**
 * Generated from language/kinds/schemas by `npm run generate:kind-types` — do not edit.
 * A test fails when this file is stale.
 */

/**
 * The team or person accountable for this document: a team slug (`team-order-to-cash`) or an e-mail address.
 */
export type Owner = string;
/**
 * What this is for, in a sentence or a paragraph (Markdown).
 */
export type Description = string;
/**
 * A path to a field: dot-separated names, `[]` after a list (`lines[].quantity`), and `["..."]` for names with dots or symbols (`["@odata.etag"]`).
 */
export type FieldPath = string;

/**
 * A versioned JSON Schema for a business entity (canonical order, shipment, ...) or a system's native payload (an SAP A_SalesOrder). One document per major version: `order@2` is the DataContract named `order` whose version is 2.x.y; old majors live until their sunset.
 */
export interface DataContract {
  /**
   * Always `interlace.dev/v1alpha1`.
   */
  apiVersion: 'interlace.dev/v1alpha1';
  /**
   * Always `DataContract`.
   */
  kind: 'DataContract';
  metadata: Metadata;
  /**
   * The contract: its version, ownership, business key, classification and payload schema.
   */
  spec: {
    /**
     * The contract's semantic version. The major is part of its identity (`order@2`); a breaking change needs a new major, an additive one a minor, a documentation-only one a patch.
     */
    version: string;
    owner?: Owner;
    description?: Description;
    /**
     * Business domain, e.g. `order-to-cash`, `inventory`, `procure-to-pay`.
     */
    domain?: string;
    /**
     * For a native contract: the System whose payload this is. Omit for canonical contracts.
     */
    system?: string;
    /**
     * Which changes within a major are allowed, in the Confluent Schema Registry's sense. BACKWARD: readers of the new version can read data written with the previous one. FORWARD: readers of the previous version can read new data. FULL: both. _TRANSITIVE: against every earlier version of the major, not only the previous one. NONE: no check.
     */
    compatibility?:
      'BACKWARD' | 'BACKWARD_TRANSITIVE' | 'FORWARD' | 'FORWARD_TRANSITIVE' | 'FULL' | 'FULL_TRANSITIVE' | 'NONE';
    /**
     * The business key: the fields that identify one entity (an order number, a warehouse and SKU). Event routes use it for ordering and idempotency.
     *
     * @minItems 1
     */
    identity?: [FieldPath, ...FieldPath[]];
    /**
     * Fields carried as business keys in metrics, traces and logs, by the name they are shown under (`order_number: orderNumber`).
     */
    businessKeys?: {
      [k: string]: FieldPath | undefined;
    };
    /**
     * Sensitivity of fields, by field path: `pii` (personal data), `confidential` (commercially sensitive), `internal`, `public`. Governance follows classified fields through mappings and routes.
     */
    classification?: {
      [k: string]: 'public' | 'internal' | 'confidential' | 'pii' | undefined;
    };
    /**
     * The payload's JSON Schema (draft 2020-12). `additionalProperties: false` makes it closed, which changes what counts as a breaking change.
     */
    schema: {};
    /**
     * Example payloads. Each must satisfy `schema`; they feed tests and documentation.
     */
    examples?: {}[];
    deprecation?: Deprecation;
  };
}
/**
 * Kubernetes-style object metadata.
 */
export interface Metadata {
  /**
   * The document's name, a DNS-1123 label. Versioned kinds (DataContract, Api) may repeat a name once per major version.
   */
  name: string;
  /**
   * Kubernetes namespace the controller applies this object to; defaults to the Estate's target namespace.
   */
  namespace?: string;
  /**
   * Labels for selection (policy scopes, kubectl -l). Keys and values follow Kubernetes label syntax.
   */
  labels?: {
    [k: string]: string | undefined;
  };
  /**
   * Free-form notes for tools and people; never interpreted as code.
   */
  annotations?: {
    [k: string]: string | undefined;
  };
}
/**
 * Marks this version as deprecated. Consumers get Deprecation and Sunset signals; governance requires a sunset date and a successor.
 */
export interface Deprecation {
  /**
   * When the deprecation was announced.
   */
  since?: string;
  /**
   * The day after which this version may be removed.
   */
  sunset?: string;
  /**
   * The version consumers should move to, e.g. `order@3`.
   */
  successor?: string;
  /**
   * Why, and what consumers should do.
   */
  reason?: string;
}

/**
 * A reference to another document: `name@major` (`order@2`) or `name@range` with a semver range (`order@^2.1`). It must resolve to exactly one document.
 */
export type Reference = string;

/**
 * An application in the estate (an ERP, a WMS, a SaaS planning tool, an EDI trading partner): how to reach it, how to authenticate (by secret reference only), the limits that protect it, and the contracts it speaks.
 */
export interface System {
  /**
   * Always `interlace.dev/v1alpha1`.
   */
  apiVersion: 'interlace.dev/v1alpha1';
  /**
   * Always `System`.
   */
  kind: 'System';
  metadata: Metadata;
  /**
   * The system: what it is, where it runs, how to reach and authenticate to it, and what protects it.
   */
  spec: {
    /**
     * What kind of application this is.
     */
    type: 'erp' | 'wms' | 'tms' | 'crm' | 'commerce' | 'planning' | 'finance' | 'edi-partner' | 'operations' | 'other';
    /**
     * Where it runs; on-prem systems are usually reached through a gateway with tighter limits.
     */
    hosting: 'on-prem' | 'cloud' | 'saas';
    /**
     * The product behind it, e.g. `SAP S/4HANA 2023`, `Business Central v2.0`.
     */
    product?: string;
    owner?: Owner;
    description?: Description;
    /**
     * How Interlace reaches the system.
     */
    endpoint: {
      /**
       * `http`: REST or OData over HTTP(S). `file`: batch files dropped in or picked from a directory. `edi-x12`: X12 interchanges with a trading partner. `nats`: the system publishes and consumes on subjects itself.
       */
      protocol: 'http' | 'file' | 'edi-x12' | 'nats';
      /**
       * Base URL (http); the partner's AS2/SFTP endpoint (edi-x12); `sftp://user@host:port` for a `file` System whose directory is on an SFTP server (absent: a local directory).
       */
      url?: string;
      /**
       * Drop directory (file): local, or on the SFTP server of `url`. Each route target writes one file per message, named by its `operation` (a file-name template such as `{invoiceNumber}-{yyyyMMdd}.csv`).
       */
      directory?: string;
      /**
       * Subject prefix (nats).
       */
      subject?: string;
      /**
       * Wire format of payloads.
       */
      format?: 'json' | 'odata-v2' | 'odata-v4' | 'csv' | 'x12';
      /**
       * The character encoding of the files a `file` System's targets write: `utf-8` (default, no byte-order mark), `windows-1252`, `iso-8859-1` (one byte a character; a character the encoding has no byte for, such as € in iso-8859-1, is a contract violation, dead-lettered, never written as `?`), `utf-16le`/`utf-16be` (with a byte-order mark).
       */
      encoding?: 'utf-8' | 'windows-1252' | 'iso-8859-1' | 'utf-16le' | 'utf-16be';
      /**
       * The service wants an SAP-style CSRF token on writes (http; SAP Gateway OData, S/4HANA APIs): before the first POST, PUT, PATCH or DELETE a token is fetched with `X-CSRF-Token: Fetch` (a GET on `csrfFetchPath`, HEAD when the GET is refused), and it is sent with the session cookies it came with on every write; a 403 with `X-CSRF-Token: Required` fetches a new one once and retries once (docs/adapters.md#authenticated-calls).
       */
      csrf?: boolean;
      /**
       * Path below `url` the CSRF token is fetched from (default `/`, the service root: a cheap GET on the service document).
       */
      csrfFetchPath?: string;
      /**
       * The X12 interchanges exchanged with an EDI partner (docs/edi-x12.md, docs/adapters.md#targets-x12): the envelope identifiers, the delimiters written, and 997 functional acknowledgements. A route target on an `edi-x12` System writes each mapped transaction set as one interchange into `directory` (local, or on the SFTP server of `url`).
       */
      x12?: {
        /**
         * ISA06, our interchange sender id.
         */
        senderId: string;
        /**
         * ISA08, the partner's interchange receiver id.
         */
        receiverId: string;
        /**
         * ISA05 id qualifier of `senderId`, and ISA07 of `receiverId` unless `receiverQualifier` says otherwise.
         */
        qualifier?: string;
        /**
         * ISA07 id qualifier of `receiverId` when it differs from `qualifier`.
         */
        receiverQualifier?: string;
        /**
         * GS02 application sender code (default `senderId`).
         */
        applicationSenderId?: string;
        /**
         * GS03 application receiver code (default `receiverId`).
         */
        applicationReceiverId?: string;
        /**
         * GS08 version, e.g. `004010VICS`.
         */
        version: string;
        /**
         * ISA12 interchange control version (`00401`; from `00402` on ISA11 carries the repetition separator).
         */
        interchangeVersion?: string;
        /**
         * ISA15 usage indicator: `P` production, `T` test (partners route test interchanges apart).
         */
        usage?: 'P' | 'T';
        /**
         * The delimiters of outbound interchanges (inbound ones are read from their own ISA). X12 has no escape character: a value holding the element or sub-element separator or the segment terminator is refused (dead-lettered as a contract violation).
         */
        delimiters?: {
          /**
           * Element separator (the character after `ISA`).
           */
          element?: string;
          /**
           * Sub-element (component) separator, ISA16.
           */
          subElement?: string;
          /**
           * Segment terminator (a newline is allowed).
           */
          segment?: string;
          /**
           * Repetition separator, ISA11 (written from `interchangeVersion` 00402 on).
           */
          repetition?: string;
        };
        /**
         * Write a line break after each segment terminator (readable; X12 readers skip it).
         */
        lineBreaks?: boolean;
        /**
         * 997 functional acknowledgements (docs/adapters.md#targets-x12).
         */
        acknowledgements?: {
          /**
           * Wait for the partner's 997 for every functional group sent; one that does not come within `within`, or that rejects the group, becomes a dead letter of the route target naming the control numbers (`interlace dlq list`).
           */
          expect?: boolean;
          /**
           * How long the partner has to answer with a 997.
           */
          within?: string;
          /**
           * Answer every functional group the partner sends (except 997s) with a 997: accepted, or rejected with the segment errors.
           */
          send?: boolean;
          /**
           * ISA14: ask the partner for a TA1 interchange acknowledgement.
           */
          requestInterchangeAcknowledgement?: boolean;
        };
      };
      /**
       * How to log in to the SFTP server of `url` (file and edi-x12 Systems; docs/adapters.md#files-local-directories-and-sftp).
       */
      sftp?: {
        secretRef: SecretRef;
        /**
         * The server's host key, pinned: an OpenSSH public key line (`ssh-ed25519 AAAA…`, as in `known_hosts` or `/etc/ssh/ssh_host_ed25519_key.pub`) or its fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). A server presenting another key is refused. Public, so written inline.
         */
        hostKey: string;
      };
      /**
       * CSV dialect (`format: csv`).
       */
      csv?: {
        /**
         * Field delimiter.
         */
        delimiter?: ',' | ';' | '\t' | '|';
        /**
         * Decimal separator of numbers: `,` for the decimal comma of European finance systems (written for numbers; read as a number only where the contract says `number`).
         */
        decimal?: '.' | ',';
        /**
         * Thousands separator of numbers (absent: none, the default). Read strictly where the contract says `number` or `integer`: only between groups of three digits (`1.234.567,89`; `12.34.5` is refused at its line and column), digits may also go ungrouped; `" "` also reads the no-break spaces U+00A0 and U+202F. Written between groups when set. It must differ from `decimal` (docs/adapters.md#files-sourcesfiles-runtimeadaptersfiles).
         */
        thousands?: '.' | ',' | ' ' | "'";
        /**
         * Whether the first row names the columns.
         */
        header?: boolean;
      };
    };
    /**
     * How to authenticate. Credentials come only from `secretRef`; which keys each type reads: docs/adapters.md#authenticated-calls.
     */
    auth?: {
      /**
       * The scheme.
       */
      type: 'none' | 'basic' | 'api-key' | 'bearer' | 'oauth2-client-credentials' | 'mtls';
      secretRef?: SecretRef1;
      /**
       * Header that carries an API key (api-key), e.g. `APIKey` for SAP API Business Hub.
       */
      header?: string;
      /**
       * Token endpoint (oauth2-client-credentials).
       */
      tokenUrl?: string;
      /**
       * Scopes requested (oauth2-client-credentials).
       */
      scopes?: string[];
      /**
       * How the client authenticates at the token endpoint (oauth2-client-credentials, RFC 6749 2.3.1): `client_secret_basic` sends `client-id` and `client-secret` in an HTTP Basic header, `client_secret_post` as `client_id` and `client_secret` in the form body (Azure AD, Business Central, some SAP BTP services).
       */
      clientAuthentication?: 'client_secret_basic' | 'client_secret_post';
      /**
       * `audience` parameter sent to the token endpoint (oauth2-client-credentials; Auth0, Okta and others name the API the token is for this way).
       */
      audience?: string;
      /**
       * `resource` parameter sent to the token endpoint (oauth2-client-credentials; RFC 8707 resource indicator, Azure AD v1, ADFS).
       */
      resource?: string;
    };
    /**
     * How the system's events come in (docs/adapters.md): pushed webhooks, polled collections and queues, picked-up files. Each source publishes to the topics the routes consume for this System (`<system>.<event>`), and acknowledges nothing to the system before the event is durably stored.
     */
    sources?: {
      /**
       * Collections and event queues Interlace reads on a timer (docs/adapters.md#polling). Each entry publishes one event per new or changed row (`odata`) or per queue entry (`queue`), with a message id from the row's key and last-modified time, and keeps its watermark and pending acknowledgements durable, so a restart neither skips nor repeats. Needs `endpoint.protocol: http`.
       *
       * @minItems 1
       * @maxItems 100
       */
      poll?: [
        {
          /**
           * Names this poll; its watermark is kept under `<system>/<name>`, so renaming a poll starts it over (from `odata.since`).
           */
          name: string;
          /**
           * The event each row or entry becomes, as routes name it in `source.event` (`SalesOrder.Changed`).
           */
          event: string;
          /**
           * Pause between two polls once a poll has read everything (default `30s`). A poll that fails waits an exponential backoff with jitter instead, or the system's `Retry-After`.
           */
          interval?: string;
          /**
           * Per-call timeout (default: the System's `limits.timeout`, else `30s`).
           */
          timeout?: string;
          /**
           * Largest response body read (default 16 MiB); a larger one fails the poll (backoff) before it is read whole.
           */
          maxResponseBytes?: number;
          /**
           * An OData V2 or V4 collection read with a watermark: rows with `modifiedField` at or after the last published one, ordered by it and the key, page after page (`__next` / `@odata.nextLink`).
           */
          odata?: {
            /**
             * OData version (default: from `endpoint.format`, `odata-v2` or else `v4`). V2 reads `d.results` and `d.__next` and writes `datetimeoffset'…'` literals; V4 reads `value` and `@odata.nextLink` and writes bare ISO timestamps.
             */
            version?: 'v2' | 'v4';
            /**
             * Below the System's `endpoint.url`, starting with `/`, without a query: `/A_SalesOrder`, `/companies({companyId})/items` (`{name}` placeholders are System parameters, environment `<SYSTEM>_PARAM_<NAME>`).
             */
            path: string;
            /**
             * The fields that identify a row (`[SalesOrder]`, `[id]`): the tiebreaker of the order and part of the message id.
             *
             * @minItems 1
             * @maxItems 8
             */
            key:
              | [string]
              | [string, string]
              | [string, string, string]
              | [string, string, string, string]
              | [string, string, string, string, string]
              | [string, string, string, string, string, string]
              | [string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string];
            /**
             * The last-modified timestamp field (`LastChangeDateTime`, `lastModifiedDateTime`).
             */
            modifiedField: string;
            /**
             * V2 only: the Edm type of `modifiedField`, which decides the filter literal (`datetimeoffset'…Z'`, default, or `datetime'…'`).
             */
            modifiedType?: 'DateTimeOffset' | 'DateTime';
            /**
             * An extra `$filter` condition, joined with `and` (`status eq 'Released'`).
             */
            filter?: string;
            /**
             * Navigation properties read with each row (`$expand`), e.g. `[to_Item]`.
             *
             * @maxItems 20
             */
            expand?:
              | []
              | [string]
              | [string, string]
              | [string, string, string]
              | [string, string, string, string]
              | [string, string, string, string, string]
              | [string, string, string, string, string, string]
              | [string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string, string, string, string, string, string]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ];
            /**
             * Fields read (`$select`); the key and `modifiedField` are added.
             *
             * @maxItems 200
             */
            select?: string[];
            /**
             * Rows asked for by one query (`$top`, and `Prefer: odata.maxpagesize` on V4; default 100). A server that pages below it sends a next link, which is followed; a full answer is followed at once by the next query from the new watermark.
             */
            pageSize?: number;
            /**
             * Where a poll with no watermark yet starts (default: the beginning, every row).
             */
            since?: string;
          };
          /**
           * An event-queue endpoint that is read and then acknowledged: each entry is published, then acknowledged (deleted) — never before the publish is stored.
           */
          queue?: {
            /**
             * Below the System's `endpoint.url`, starting with `/`: the GET that returns a batch of entries (`{name}` placeholders are System parameters).
             */
            path: string;
            /**
             * Where the entries are in the response (`value`, `d.results`, `events`); default: the response itself when it is a list, else `value`.
             */
            entries?: string;
            /**
             * The entry's id, used for the acknowledgement and the message id.
             */
            idField: string;
            /**
             * The field holding the event body (default: the whole entry).
             */
            payloadField?: string;
            /**
             * Entries asked for per read (`$top`; default 100).
             */
            batchSize?: number;
            /**
             * How an entry is acknowledged once published.
             */
            ack: {
              /**
               * Default `DELETE`.
               */
              method?: 'DELETE' | 'POST' | 'PUT' | 'PATCH';
              /**
               * Below the System's `endpoint.url`, starting with `/`; `{id}` is the entry's id (`/events/{id}`), other `{name}` placeholders are System parameters. Without `{id}`, one call acknowledges the whole batch with the body `{"ids": [...]}`.
               */
              path: string;
            };
          };
        },
        ...{
          /**
           * Names this poll; its watermark is kept under `<system>/<name>`, so renaming a poll starts it over (from `odata.since`).
           */
          name: string;
          /**
           * The event each row or entry becomes, as routes name it in `source.event` (`SalesOrder.Changed`).
           */
          event: string;
          /**
           * Pause between two polls once a poll has read everything (default `30s`). A poll that fails waits an exponential backoff with jitter instead, or the system's `Retry-After`.
           */
          interval?: string;
          /**
           * Per-call timeout (default: the System's `limits.timeout`, else `30s`).
           */
          timeout?: string;
          /**
           * Largest response body read (default 16 MiB); a larger one fails the poll (backoff) before it is read whole.
           */
          maxResponseBytes?: number;
          /**
           * An OData V2 or V4 collection read with a watermark: rows with `modifiedField` at or after the last published one, ordered by it and the key, page after page (`__next` / `@odata.nextLink`).
           */
          odata?: {
            /**
             * OData version (default: from `endpoint.format`, `odata-v2` or else `v4`). V2 reads `d.results` and `d.__next` and writes `datetimeoffset'…'` literals; V4 reads `value` and `@odata.nextLink` and writes bare ISO timestamps.
             */
            version?: 'v2' | 'v4';
            /**
             * Below the System's `endpoint.url`, starting with `/`, without a query: `/A_SalesOrder`, `/companies({companyId})/items` (`{name}` placeholders are System parameters, environment `<SYSTEM>_PARAM_<NAME>`).
             */
            path: string;
            /**
             * The fields that identify a row (`[SalesOrder]`, `[id]`): the tiebreaker of the order and part of the message id.
             *
             * @minItems 1
             * @maxItems 8
             */
            key:
              | [string]
              | [string, string]
              | [string, string, string]
              | [string, string, string, string]
              | [string, string, string, string, string]
              | [string, string, string, string, string, string]
              | [string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string];
            /**
             * The last-modified timestamp field (`LastChangeDateTime`, `lastModifiedDateTime`).
             */
            modifiedField: string;
            /**
             * V2 only: the Edm type of `modifiedField`, which decides the filter literal (`datetimeoffset'…Z'`, default, or `datetime'…'`).
             */
            modifiedType?: 'DateTimeOffset' | 'DateTime';
            /**
             * An extra `$filter` condition, joined with `and` (`status eq 'Released'`).
             */
            filter?: string;
            /**
             * Navigation properties read with each row (`$expand`), e.g. `[to_Item]`.
             *
             * @maxItems 20
             */
            expand?:
              | []
              | [string]
              | [string, string]
              | [string, string, string]
              | [string, string, string, string]
              | [string, string, string, string, string]
              | [string, string, string, string, string, string]
              | [string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string, string, string, string, string]
              | [string, string, string, string, string, string, string, string, string, string, string, string, string]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ]
              | [
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string,
                  string
                ];
            /**
             * Fields read (`$select`); the key and `modifiedField` are added.
             *
             * @maxItems 200
             */
            select?: string[];
            /**
             * Rows asked for by one query (`$top`, and `Prefer: odata.maxpagesize` on V4; default 100). A server that pages below it sends a next link, which is followed; a full answer is followed at once by the next query from the new watermark.
             */
            pageSize?: number;
            /**
             * Where a poll with no watermark yet starts (default: the beginning, every row).
             */
            since?: string;
          };
          /**
           * An event-queue endpoint that is read and then acknowledged: each entry is published, then acknowledged (deleted) — never before the publish is stored.
           */
          queue?: {
            /**
             * Below the System's `endpoint.url`, starting with `/`: the GET that returns a batch of entries (`{name}` placeholders are System parameters).
             */
            path: string;
            /**
             * Where the entries are in the response (`value`, `d.results`, `events`); default: the response itself when it is a list, else `value`.
             */
            entries?: string;
            /**
             * The entry's id, used for the acknowledgement and the message id.
             */
            idField: string;
            /**
             * The field holding the event body (default: the whole entry).
             */
            payloadField?: string;
            /**
             * Entries asked for per read (`$top`; default 100).
             */
            batchSize?: number;
            /**
             * How an entry is acknowledged once published.
             */
            ack: {
              /**
               * Default `DELETE`.
               */
              method?: 'DELETE' | 'POST' | 'PUT' | 'PATCH';
              /**
               * Below the System's `endpoint.url`, starting with `/`; `{id}` is the entry's id (`/events/{id}`), other `{name}` placeholders are System parameters. Without `{id}`, one call acknowledges the whole batch with the body `{"ids": [...]}`.
               */
              path: string;
            };
          };
        }[]
      ];
      /**
       * An HTTPS endpoint the system pushes its events to (docs/adapters.md#webhooks), as commerce and SaaS platforms send them: each delivery is verified (an HMAC signature of the raw body, or a subscription's client state), published durably to the routes' topics, and answered 2xx only then. A delivery id already published is answered 2xx without a second publish. Served by the System's source unit (`source-<system>`) on the worker's HTTP port.
       */
      webhook?: {
        [k: string]: unknown | undefined;
      } & {
        /**
         * The request path deliveries are POSTed to, e.g. `/webhooks/shopify`. Unique in the estate; `/metrics`, `/healthz` and `/readyz` are taken.
         */
        path: string;
        /**
         * An HMAC-SHA256 of the raw request body with a shared secret, in a header (Shopify: `X-Shopify-Hmac-Sha256`, base64; GitHub: `X-Hub-Signature-256`, hex with `sha256=`). Compared in constant time; a missing or wrong signature is answered 401 and nothing is published.
         */
        signature?: {
          /**
           * The header carrying the signature.
           */
          header: string;
          /**
           * How the digest is written in the header.
           */
          encoding?: 'base64' | 'hex';
          /**
           * Text before the digest in the header, e.g. `sha256=`.
           */
          prefix?: string;
          secretRef: SecretRef2;
        };
        /**
         * A shared value the subscription was created with and every notification carries back (Microsoft Graph, Business Central: `clientState` in each entry of `value`). A delivery with a missing or different one is answered 401 and nothing is published.
         */
        clientState?: {
          /**
           * Where the value sits in each event (in each `batch` entry when there is a batch), e.g. `clientState`.
           */
          field: string;
          secretRef: SecretRef3;
        };
        /**
         * The subscription validation handshake: a request carrying the query parameter is answered 200 with its value echoed as `text/plain` and publishes nothing (Microsoft Graph and Business Central send `?validationToken=…` when a subscription is created).
         */
        validation?: {
          /**
           * The query parameter holding the token, e.g. `validationToken`.
           */
          queryParameter: string;
        };
        /**
         * Which System event (`source.event` of the routes) a delivery is, by one of: a fixed `name`, the value of a `header` or body `field`, translated by `map` when the platform's names differ (`orders/create` → `Order.Submitted`). A delivery whose event no route consumes is answered 2xx and counted as unrouted.
         */
        event: {
          [k: string]: unknown | undefined;
        } & {
          /**
           * Every delivery is this event.
           */
          name?: string;
          /**
           * The header naming the event, e.g. `X-Shopify-Topic`.
           */
          header?: string;
          /**
           * The body field naming the event (dotted path), e.g. `type` or `changeType`.
           */
          field?: string;
          /**
           * The platform's event names → the System's event names. Values not listed are taken as they are.
           */
          map?: {
            [k: string]: string | undefined;
          };
        };
        /**
         * The platform's id of a delivery (one of `header`, `field`), kept through its retries (`X-Shopify-Webhook-Id`, `X-GitHub-Delivery`): the message id on the backbone and the replay defence (an id seen within `remember` is answered 2xx and not published again). Without it, the SHA-256 of the body is the id.
         */
        deliveryId?: {
          [k: string]: unknown | undefined;
        } & {
          /**
           * The header carrying the id.
           */
          header?: string;
          /**
           * The body field carrying the id (dotted path).
           */
          field?: string;
          /**
           * How long a published delivery id is remembered (default `72h`, at most `720h`); keep it longer than the platform retries (Shopify: 48 hours).
           */
          remember?: string;
        };
        /**
         * The body holds several events in an array (Microsoft Graph, Business Central: `value`): each entry is published as its own event.
         */
        batch?: {
          /**
           * The array field, e.g. `value`.
           */
          field: string;
          /**
           * Most entries in one delivery (default 1000); a larger batch is answered 413.
           */
          maxItems?: number;
        };
        /**
         * Largest body accepted (default 1 MiB); a larger delivery is answered 413 before it is read whole.
         */
        maxBodyBytes?: number;
      };
      /**
       * Directories the system drops files into, picked up locally or over SFTP (docs/adapters.md#files): each file whose size stayed the same across two looks is read (refused unread above `maxBytes`), parsed by `format` into events, published durably with a message id from the file name, its content hash and the record's index, and only then moved to `archive` (or deleted). A file that does not parse goes to `errorDirectory` with a dead letter naming the line or segment.
       *
       * @minItems 1
       * @maxItems 50
       */
      files?: [
        {
          /**
           * Name of this pickup within the System (metrics, state, dead letters).
           */
          name: string;
          /**
           * The absolute directory files are picked from: local, or on the SFTP server of `url`.
           */
          directory: string;
          /**
           * `sftp://user@host:port` (port 22 by default): the directory is on this SFTP server. Absent: a local directory (a mounted volume).
           */
          url?: string;
          /**
           * How to log in to the SFTP server of `url` (required with `url`; docs/adapters.md#files-local-directories-and-sftp).
           */
          sftp?: {
            secretRef: SecretRef4;
            /**
             * The server's host key, pinned: an OpenSSH public key line (`ssh-ed25519 AAAA…`, as in `known_hosts` or `/etc/ssh/ssh_host_ed25519_key.pub`) or its fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). A server presenting another key is refused. Public, so written inline.
             */
            hostKey: string;
          };
          /**
           * Which file names to take (`*.csv`, `ORDERS_*.edi`, `*.{xml,XML}`); names starting with a dot (files being written) never match.
           */
          glob?: string;
          /**
           * How a file becomes events: `json` (an object is one event, a list one per item), `csv` (one per row, columns named by the header), `x12` (one per transaction set, docs/edi-x12.md), `edifact` (one per message, docs/edi-edifact.md), `xml` (the document as JSON, or one per `recordElement`).
           */
          format: 'json' | 'csv' | 'x12' | 'edifact' | 'xml';
          /**
           * The event each record is published as (routes name it in `source.event`), e.g. `Invoice.Received`; with `events`, the event of the records `events` does not name. A pickup needs `event` or `events`.
           */
          event?: string;
          /**
           * x12 and edifact: the event of each record by its type, for files that carry several (docs/adapters.md#files-sourcesfiles-runtimeadaptersfiles): X12 transaction set id (ST01) → event (`"850": PurchaseOrder.Received`, `"856": ShipNotice.Received`), or EDIFACT message type (UNH 0065) → event (`ORDERS: Orders.Received`). A record of another type gets `event`, or without `event` is dropped and counted unrouted. On an `edi-x12` System the partner's 997s settle our groups and are not published unless `997` is named here.
           */
          events?: {
            [k: string]: string | undefined;
          };
          /**
           * The character encoding of the files (absent: `utf-8`; for xml, the file's own declaration, else UTF-8). A byte-order mark (UTF-8, UTF-16LE, UTF-16BE) overrides it. Bytes that are not text in the encoding make the file a poison file (error directory, dead letter naming the byte offset and line), never replacement characters. `iso-8859-1` reads as `windows-1252` (WHATWG), so € in 0x80 is read. An xml file declaring another encoding than a set one is refused.
           */
          encoding?: 'utf-8' | 'windows-1252' | 'iso-8859-1' | 'utf-16le' | 'utf-16be';
          /**
           * The contract of the records (csv): a column is read as a number or boolean only where this contract's schema says so, with `csv.decimal` and `csv.thousands`; every other column stays text. A column the contract requires must be in the header and never empty: a file where it is refuses at that line and column.
           */
          contract?: string;
          /**
           * CSV dialect (`format: csv`).
           */
          csv?: {
            /**
             * Field delimiter.
             */
            delimiter?: ',' | ';' | '\t' | '|';
            /**
             * Decimal separator of numbers: `,` for the decimal comma of European finance systems (written for numbers; read as a number only where the contract says `number`).
             */
            decimal?: '.' | ',';
            /**
             * Thousands separator of numbers (absent: none, the default). Read strictly where the contract says `number` or `integer`: only between groups of three digits (`1.234.567,89`; `12.34.5` is refused at its line and column), digits may also go ungrouped; `" "` also reads the no-break spaces U+00A0 and U+202F. Written between groups when set. It must differ from `decimal` (docs/adapters.md#files-sourcesfiles-runtimeadaptersfiles).
             */
            thousands?: '.' | ',' | ' ' | "'";
            /**
             * Whether the first row names the columns.
             */
            header?: boolean;
          };
          /**
           * xml: the element whose every occurrence is one event (e.g. `Order`); absent: the whole document is one event.
           */
          recordElement?: string;
          /**
           * How often the directory is listed (default `30s`).
           */
          interval?: string;
          /**
           * The stable-size check: a file is taken only when its size and modification time are the same after this long (default `2s`), so a file still being uploaded is left for the next look.
           */
          settle?: string;
          /**
           * The largest file taken (default 10 MiB); a larger one is moved to the error directory with a dead letter, without being read.
           */
          maxBytes?: number;
          /**
           * What happens to a file once all its events are durably published: moved to `archiveDirectory`, or deleted.
           */
          afterPublish?: 'archive' | 'delete';
          /**
           * Where published files go (default `<directory>/archive`).
           */
          archiveDirectory?: string;
          /**
           * Where files that cannot be read or parsed go (default `<directory>/error`).
           */
          errorDirectory?: string;
        },
        ...{
          /**
           * Name of this pickup within the System (metrics, state, dead letters).
           */
          name: string;
          /**
           * The absolute directory files are picked from: local, or on the SFTP server of `url`.
           */
          directory: string;
          /**
           * `sftp://user@host:port` (port 22 by default): the directory is on this SFTP server. Absent: a local directory (a mounted volume).
           */
          url?: string;
          /**
           * How to log in to the SFTP server of `url` (required with `url`; docs/adapters.md#files-local-directories-and-sftp).
           */
          sftp?: {
            secretRef: SecretRef4;
            /**
             * The server's host key, pinned: an OpenSSH public key line (`ssh-ed25519 AAAA…`, as in `known_hosts` or `/etc/ssh/ssh_host_ed25519_key.pub`) or its fingerprint as `ssh-keygen -lf` prints it (`SHA256:…`). A server presenting another key is refused. Public, so written inline.
             */
            hostKey: string;
          };
          /**
           * Which file names to take (`*.csv`, `ORDERS_*.edi`, `*.{xml,XML}`); names starting with a dot (files being written) never match.
           */
          glob?: string;
          /**
           * How a file becomes events: `json` (an object is one event, a list one per item), `csv` (one per row, columns named by the header), `x12` (one per transaction set, docs/edi-x12.md), `edifact` (one per message, docs/edi-edifact.md), `xml` (the document as JSON, or one per `recordElement`).
           */
          format: 'json' | 'csv' | 'x12' | 'edifact' | 'xml';
          /**
           * The event each record is published as (routes name it in `source.event`), e.g. `Invoice.Received`; with `events`, the event of the records `events` does not name. A pickup needs `event` or `events`.
           */
          event?: string;
          /**
           * x12 and edifact: the event of each record by its type, for files that carry several (docs/adapters.md#files-sourcesfiles-runtimeadaptersfiles): X12 transaction set id (ST01) → event (`"850": PurchaseOrder.Received`, `"856": ShipNotice.Received`), or EDIFACT message type (UNH 0065) → event (`ORDERS: Orders.Received`). A record of another type gets `event`, or without `event` is dropped and counted unrouted. On an `edi-x12` System the partner's 997s settle our groups and are not published unless `997` is named here.
           */
          events?: {
            [k: string]: string | undefined;
          };
          /**
           * The character encoding of the files (absent: `utf-8`; for xml, the file's own declaration, else UTF-8). A byte-order mark (UTF-8, UTF-16LE, UTF-16BE) overrides it. Bytes that are not text in the encoding make the file a poison file (error directory, dead letter naming the byte offset and line), never replacement characters. `iso-8859-1` reads as `windows-1252` (WHATWG), so € in 0x80 is read. An xml file declaring another encoding than a set one is refused.
           */
          encoding?: 'utf-8' | 'windows-1252' | 'iso-8859-1' | 'utf-16le' | 'utf-16be';
          /**
           * The contract of the records (csv): a column is read as a number or boolean only where this contract's schema says so, with `csv.decimal` and `csv.thousands`; every other column stays text. A column the contract requires must be in the header and never empty: a file where it is refuses at that line and column.
           */
          contract?: string;
          /**
           * CSV dialect (`format: csv`).
           */
          csv?: {
            /**
             * Field delimiter.
             */
            delimiter?: ',' | ';' | '\t' | '|';
            /**
             * Decimal separator of numbers: `,` for the decimal comma of European finance systems (written for numbers; read as a number only where the contract says `number`).
             */
            decimal?: '.' | ',';
            /**
             * Thousands separator of numbers (absent: none, the default). Read strictly where the contract says `number` or `integer`: only between groups of three digits (`1.234.567,89`; `12.34.5` is refused at its line and column), digits may also go ungrouped; `" "` also reads the no-break spaces U+00A0 and U+202F. Written between groups when set. It must differ from `decimal` (docs/adapters.md#files-sourcesfiles-runtimeadaptersfiles).
             */
            thousands?: '.' | ',' | ' ' | "'";
            /**
             * Whether the first row names the columns.
             */
            header?: boolean;
          };
          /**
           * xml: the element whose every occurrence is one event (e.g. `Order`); absent: the whole document is one event.
           */
          recordElement?: string;
          /**
           * How often the directory is listed (default `30s`).
           */
          interval?: string;
          /**
           * The stable-size check: a file is taken only when its size and modification time are the same after this long (default `2s`), so a file still being uploaded is left for the next look.
           */
          settle?: string;
          /**
           * The largest file taken (default 10 MiB); a larger one is moved to the error directory with a dead letter, without being read.
           */
          maxBytes?: number;
          /**
           * What happens to a file once all its events are durably published: moved to `archiveDirectory`, or deleted.
           */
          afterPublish?: 'archive' | 'delete';
          /**
           * Where published files go (default `<directory>/archive`).
           */
          archiveDirectory?: string;
          /**
           * Where files that cannot be read or parsed go (default `<directory>/error`).
           */
          errorDirectory?: string;
        }[]
      ];
    };
    /**
     * Budgets that protect the system from Interlace: every route and API that calls it shares them.
     */
    limits?: {
      rateLimit?: RateLimit;
      /**
       * Calls in flight at once.
       */
      concurrency?: number;
      /**
       * Default per-call timeout.
       */
      timeout?: string;
    };
    /**
     * The native contracts this system reads and writes.
     */
    contracts?: Reference[];
    /**
     * Which classified data this system may hold (`pii`, `confidential`). Governance rejects a route or mapping that sends other classified fields here.
     */
    allowedClassifications?: ('internal' | 'confidential' | 'pii')[];
  };
}
/**
 * The Secret with the login: key `private-key` (an OpenSSH or PEM private key; `passphrase` when it is encrypted) or `password`. `key` is not used.
 */
export interface SecretRef {
  /**
   * Name of the Secret.
   */
  name: string;
  /**
   * Key inside the Secret; the auth type decides the default.
   */
  key?: string;
}
/**
 * A reference to a Kubernetes Secret (or, for `interlace run`, an environment variable named `<NAME>_<KEY>`). Credentials are never written inline.
 */
export interface SecretRef1 {
  /**
   * Name of the Secret.
   */
  name: string;
  /**
   * Key inside the Secret; the auth type decides the default.
   */
  key?: string;
}
/**
 * A reference to a Kubernetes Secret (or, for `interlace run`, an environment variable named `<NAME>_<KEY>`). Credentials are never written inline.
 */
export interface SecretRef2 {
  /**
   * Name of the Secret.
   */
  name: string;
  /**
   * Key inside the Secret; the auth type decides the default.
   */
  key?: string;
}
/**
 * A reference to a Kubernetes Secret (or, for `interlace run`, an environment variable named `<NAME>_<KEY>`). Credentials are never written inline.
 */
export interface SecretRef3 {
  /**
   * Name of the Secret.
   */
  name: string;
  /**
   * Key inside the Secret; the auth type decides the default.
   */
  key?: string;
}
/**
 * A reference to a Kubernetes Secret (or, for `interlace run`, an environment variable named `<NAME>_<KEY>`). Credentials are never written inline.
 */
export interface SecretRef4 {
  /**
   * Name of the Secret.
   */
  name: string;
  /**
   * Key inside the Secret; the auth type decides the default.
   */
  key?: string;
}
/**
 * A token-bucket rate limit.
 */
export interface RateLimit {
  /**
   * Requests allowed per window.
   */
  requests: number;
  /**
   * The window, e.g. `1s` or `1m`.
   */
  per: string;
  /**
   * Extra requests allowed in a burst; defaults to `requests`.
   */
  burst?: number;
}

/**
 * A reference to an unversioned document (System, Mapping, EventRoute, Policy) by its name alone.
 */
export type NameReference = string;

/**
 * A typed transform from one contract major to another (`sap-sales-order@1` → `order@2`): field rules, array mapping, lookup tables, conversions and CEL expressions, with tests (input fixture → expected output) that `interlace test` runs.
 */
export interface Mapping {
  /**
   * Always `interlace.dev/v1alpha1`.
   */
  apiVersion: 'interlace.dev/v1alpha1';
  /**
   * Always `Mapping`.
   */
  kind: 'Mapping';
  metadata: Metadata;
  /**
   * The transform: source and target contracts, rules, lookup tables and tests.
   */
  spec: {
    /**
     * The source contract, `name@major`.
     */
    from: string;
    /**
     * The target contract, `name@major`.
     */
    to: string;
    owner?: Owner;
    description?: Description;
    /**
     * Fan-out: one output message per item of this source list (`shipments[].orders[]` for every order of a cross-dock notice). The rules map the item (`from` paths are relative to it; expressions see `item`, `index`, `first`, `last` and the whole message as `source`); `tests[].expected` is then the list of outputs, and a route target delivers each output as its own message.
     */
    each?: string;
    /**
     * Where the payload sits inside an envelope before mapping, e.g. `d` for an OData V2 entity.
     */
    unwrap?: string;
    /**
     * Enrichment: values the mapping reads from a System before it runs (a key-only event becomes a full canonical event). Each entry is one GET by key whose answer, checked against `contract`, the rules read as `enriched.<name>` in expressions. The worker makes the calls (through the System's client, budgets and circuit breaker), caches answers for `cache.ttl`, and retries or dead-letters a failed call by the route target's delivery policy; the generated mapping stays a pure function. `interlace test` stubs each call with `tests[].enrich.<name>`.
     */
    enrich?: {
      [k: string]:
        | {
            /**
             * The System to call (an `http` endpoint).
             */
            system: string;
            /**
             * `GET /items({sku})`: the path below the System's URL; each `{placeholder}` is a field of the source message (`{sku}`, `{header.plant}`; no list steps), percent-encoded where it stands (a quote inside `'…'` doubled, as OData reads it).
             */
            operation: string;
            /**
             * Placeholders of `operation` that are System parameters, not source fields (`[companyId]` for Business Central's `/companies({companyId})/items(…)`): filled from the environment `<SYSTEM>_PARAM_<NAME>`, as in route operations. Any other placeholder must be a source field.
             */
            parameters?: string[];
            /**
             * The contract of the answer (after `unwrap`), `name@major`: the answer is validated against it and the rules that read `enriched.<name>` are type-checked with it.
             */
            contract: string;
            /**
             * Where the entity sits inside the answer, e.g. `d` for OData V2.
             */
            unwrap?: string;
            /**
             * A 404 (or a placeholder with no value in the message) leaves `enriched.<name>` absent instead of failing the message as a permanent failure.
             */
            optional?: boolean;
            /**
             * Answers kept per System and path.
             */
            cache?: {
              /**
               * How long an answer is reused (default 60s; `0s` calls every time).
               */
              ttl?: string;
              /**
               * Most answers kept (default 10000); the least recently used is dropped beyond it.
               */
              maxEntries?: number;
            };
          }
        | undefined;
    };
    /**
     * A chain: this mapping is these mappings applied in order (`[a-to-b, b-to-c]` for A→B→C), declared once and type-checked end to end — the first reads `from`, each next one reads what the one before makes, the last makes `to`. A chain has no `rules`; a step that fans out makes the chain fan out.
     *
     * @minItems 2
     */
    steps?: [NameReference, NameReference, ...NameReference[]];
    /**
     * How each target field is made (required unless the mapping is a chain of `steps`). Target fields without a rule stay absent.
     *
     * @minItems 1
     */
    rules?: [Rule, ...Rule[]];
    /**
     * Lookup tables by name: each maps a source code to a target value (plant → warehouse, unit → UN/ECE code).
     */
    lookups?: {
      [k: string]:
        | {
            [k: string]: string | number | boolean | undefined;
          }
        | undefined;
    };
    /**
     * Examples `interlace test` runs: the input, and the output the mapping must produce.
     */
    tests?: ({
      [k: string]: unknown | undefined;
    } & {
      /**
       * What this case shows.
       */
      name: string;
      input: Fixture;
      /**
       * Stubs of the mapping's `enrich` calls: the answer each one gives in this test (inline, or `{ file, pointer }`), by the name under `spec.enrich`. An answer left out is a 404.
       */
      enrich?: {
        [k: string]: Fixture1 | undefined;
      };
      /**
       * The output the mapping must produce; it must satisfy the target contract. Like `input`: inline, or `{ file, pointer }`; for a fan-out mapping (`spec.each`) the list of its output messages, in order.
       */
      expected?: {
        [k: string]: unknown | undefined;
      };
      /**
       * The input must NOT satisfy the source contract (the runtime would dead-letter it): the test passes when the contract rejects it. Then `expected` is not given.
       */
      expectRejected?: boolean;
    })[];
  };
}
/**
 * One target field and where its value comes from: exactly one of `from`, `value`, `expr`, `lookup` or `each`.
 */
export interface Rule {
  /**
   * The target field (relative to the enclosing `each`).
   */
  target: string;
  /**
   * Copy this source field.
   */
  from?: string;
  /**
   * A constant.
   */
  value?: {
    [k: string]: unknown | undefined;
  };
  /**
   * A CEL expression over `source` (the input) and, inside `each`, `item`.
   */
  expr?: string;
  /**
   * Translate a source field through a lookup table.
   */
  lookup?: {
    /**
     * Name of a table in `lookups`.
     */
    table: string;
    /**
     * The source field whose value is looked up.
     */
    from: string;
    /**
     * Value when the table has no entry; without it, a missing entry fails the message as a contract violation.
     */
    default?: {
      [k: string]: unknown | undefined;
    };
  };
  /**
   * A source list; `rules` then map each item to one item of the target list.
   */
  each?: string;
  /**
   * Rules for each item (with `each`).
   */
  rules?: Rule[];
  /**
   * Conversions applied after the value is taken.
   */
  convert?: {
    /**
     * `0000164` → `164` (SAP document numbers).
     */
    trimLeadingZeros?: boolean;
    /**
     * Left-pad to a fixed width.
     */
    padStart?: {
      /**
       * Width to pad to.
       */
      length: number;
      /**
       * Padding character.
       */
      char?: string;
    };
    /**
     * Parse a string as a number: `12.50`, `12,50`, or an implied-decimal integer (`1250` with implied-2 → 12.5).
     */
    number?: 'decimal-point' | 'decimal-comma' | 'implied-2' | 'implied-3' | 'implied-4';
    /**
     * Parse a date: ISO 8601, OData V2 `/Date(1500000000000)/`, EDI `20240131` or `240131`; the result is ISO 8601.
     */
    date?: 'iso' | 'odata-v2' | 'yyyymmdd' | 'yymmdd';
    /**
     * With `date`: the IANA time zone (`America/New_York`) whose calendar date an instant becomes in a `format: date` field, so a 21:00 New York order on the 3rd stays the 3rd (UTC without it).
     */
    zone?: string;
    /**
     * Convert a quantity between units of measure (`PC` → `EA`, `KG` → `LB`).
     */
    unit?: {
      /**
       * Source unit of measure, e.g. `PC`, `KG`.
       */
      from: string;
      /**
       * Target unit of measure, e.g. `EA`, `LB`.
       */
      to: string;
    };
    /**
     * Change letter case.
     */
    case?: 'upper' | 'lower';
    /**
     * Remove surrounding white space.
     */
    trim?: boolean;
  };
  /**
   * Value used when the source is missing or null.
   */
  default?: {
    [k: string]: unknown | undefined;
  };
  /**
   * Apply the rule only when this CEL expression is true.
   */
  when?: string;
}
/**
 * The input; it must satisfy the source contract, as the runtime checks every message.
 */
export interface Fixture {
  /**
   * Path relative to this spec file.
   */
  file?: string;
  /**
   * JSON pointer into the file, e.g. `/response/jsonBody/d/results/0`.
   */
  pointer?: string;
  /**
   * With `file`: a JSON merge patch (RFC 7396) applied to the value read, e.g. `{ shipTo: { name: null }, currency: EUR }` to remove one field and change another without copying the whole document inline.
   */
  merge?: {
    [k: string]: unknown | undefined;
  };
}
/**
 * A payload: inline (a mapping), or a file next to the spec (`file`: JSON, raw X12 or EDIFACT) with an optional JSON pointer into it (`pointer`) and a JSON merge patch applied to what was read (`merge`, RFC 7396: objects merge, `null` removes, anything else replaces).
 */
export interface Fixture1 {
  /**
   * Path relative to this spec file.
   */
  file?: string;
  /**
   * JSON pointer into the file, e.g. `/response/jsonBody/d/results/0`.
   */
  pointer?: string;
  /**
   * With `file`: a JSON merge patch (RFC 7396) applied to the value read, e.g. `{ shipTo: { name: null }, currency: EUR }` to remove one field and change another without copying the whole document inline.
   */
  merge?: {
    [k: string]: unknown | undefined;
  };
}

/**
 * A topic on the event backbone, dot-separated lower-case words (`orders.canonical`).
 */
export type Topic = string;
/**
 * A service-level objective: the share of good events, a percentage above 0 and below 100 (`99%`, `99.9%`). 100% leaves no error budget and is refused.
 */
export type SloObjective = string;
/**
 * A DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters.
 */
export type DnsLabel = string;
/**
 * A link for the on-call person: what to do when this objective burns. Put on every generated alert.
 */
export type SloRunbook = string;

/**
 * Moves an event from a source system to targets: filter, key (ordering and idempotency), then for each target a mapping and a delivery policy (timeout, bounded retries with backoff, permanent failures, dead letter).
 */
export interface EventRoute {
  /**
   * Always `interlace.dev/v1alpha1`.
   */
  apiVersion: 'interlace.dev/v1alpha1';
  /**
   * Always `EventRoute`.
   */
  kind: 'EventRoute';
  metadata: Metadata;
  /**
   * The route: source event, filter, key, ordering and targets with their delivery policies.
   */
  spec: {
    owner?: Owner;
    description?: Description;
    /**
     * Where events come from: a system's event, or a topic another route publishes to.
     */
    source: {
      /**
       * The System that emits the event.
       */
      system?: string;
      /**
       * The event's name at the source, e.g. `SalesOrder.Changed`.
       */
      event?: string;
      /**
       * Consume from this topic instead of a system event.
       */
      topic?: string;
      /**
       * The contract of the event payload.
       */
      contract: string;
    };
    /**
     * CEL over `event`: only events for which it is true are routed.
     */
    filter?: string;
    /**
     * Fields of the event that identify the entity; defaults to the contract's identity. Used for idempotency and, with `ordering: per-key`, ordering.
     *
     * @minItems 1
     */
    key?: [FieldPath, ...FieldPath[]];
    /**
     * `per-key`: events with the same key are delivered in order; a poison message parks only its own key.
     */
    ordering?: 'none' | 'per-key';
    /**
     * Where each event goes.
     *
     * @minItems 1
     */
    targets: [
      {
        /**
         * Name of this target within the route (used in metrics and dead letters).
         */
        name: string;
        /**
         * Deliver to this System.
         */
        system?: string;
        /**
         * Publish to this topic (another route may consume it).
         */
        topic?: string;
        /**
         * What to call at the system, e.g. `POST /api/v2.0/salesOrders` or `856` for an EDI partner.
         */
        operation?: string;
        /**
         * The Mapping applied before delivery; its `from` must be the source contract.
         */
        mapping?: string;
        /**
         * The contract delivered; defaults to the mapping's `to`, or the source contract when there is no mapping.
         */
        contract?: string;
        delivery?: Delivery;
      },
      ...{
        /**
         * Name of this target within the route (used in metrics and dead letters).
         */
        name: string;
        /**
         * Deliver to this System.
         */
        system?: string;
        /**
         * Publish to this topic (another route may consume it).
         */
        topic?: string;
        /**
         * What to call at the system, e.g. `POST /api/v2.0/salesOrders` or `856` for an EDI partner.
         */
        operation?: string;
        /**
         * The Mapping applied before delivery; its `from` must be the source contract.
         */
        mapping?: string;
        /**
         * The contract delivered; defaults to the mapping's `to`, or the source contract when there is no mapping.
         */
        contract?: string;
        delivery?: Delivery;
      }[]
    ];
    scale?: Scale;
    /**
     * Service-level objectives of this route, in business terms. `interlace generate` turns them into Prometheus recording rules, multi-window multi-burn-rate alerts and a dashboard (docs/observability.md).
     */
    slo?: {
      latency?: SloLatency;
      /**
       * The dead-letter budget: `objective` of events are delivered rather than dead-lettered or parked.
       */
      deadLetters?: {
        objective: SloObjective;
      };
      /**
       * The targets the objectives cover, by name (default: every target).
       *
       * @minItems 1
       */
      targets?: [DnsLabel, ...DnsLabel[]];
      /**
       * The period the objective is measured over, the error budget's period (default `720h`, 30 days). Longer than `interval`.
       */
      window?: string;
      /**
       * How often Prometheus evaluates the generated rules (default `1m`): the rule group's `interval`.
       */
      interval?: string;
      runbook?: SloRunbook;
    };
  };
}
/**
 * How hard to try, and what to do when it fails.
 */
export interface Delivery {
  /**
   * Per-attempt timeout.
   */
  timeout?: string;
  /**
   * Retries with exponential backoff and jitter. Retries happen here only: nothing below retries again.
   */
  retry?: {
    /**
     * Attempts in all, the first included.
     */
    maxAttempts?: number;
    /**
     * Wait before the second attempt.
     */
    initialBackoff?: string;
    /**
     * Longest wait between attempts.
     */
    maxBackoff?: string;
    /**
     * Growth of the wait per attempt.
     */
    multiplier?: number;
    /**
     * Fraction of the wait randomized.
     */
    jitter?: number;
  };
  /**
   * HTTP statuses that fail at once without retry (default: every 4xx but 408 and 429, and contract violations).
   */
  permanentOn?: number[];
  /**
   * Where failed events go, with their reason and attempt history.
   */
  deadLetter?: {
    topic: Topic;
    /**
     * How long dead letters are kept: on NATS the dead-letter stream's `max_age`, applied when the worker starts (a dead letter older than this is dropped, replayed or not). Without it (and without `maxMessages`) dead letters stay until `interlace dlq purge` removes them. Targets that share a dead-letter topic should give the same limits.
     */
    retention?: string;
    /**
     * Most dead letters kept on the topic; beyond it the oldest are dropped (NATS: the stream's `max_msgs`).
     */
    maxMessages?: number;
  };
  /**
   * Deliveries in flight at once for this target.
   */
  concurrency?: number;
}
/**
 * How many workers run this unit: a fixed `replicas`, or `autoscale` between `min` and `max` on CPU. Without it the Deployment keeps whatever replicas the cluster gives it (1 when created).
 */
export interface Scale {
  /**
   * A fixed number of worker pods (0 stops the unit). Not with `autoscale`.
   */
  replicas?: number;
  /**
   * A HorizontalPodAutoscaler (autoscaling/v2) owns the replicas: the controller stops setting them.
   */
  autoscale?: {
    /**
     * Fewest worker pods.
     */
    min?: number;
    /**
     * Most worker pods; at least `min`.
     */
    max: number;
    /**
     * Target average CPU use, in percent of the worker's CPU request.
     */
    cpu?: number;
  };
}
/**
 * Delivery latency from the source event (when the source system's event reached the backbone; for a topic source, the original event) to the target's effect, e.g. `{threshold: 5m, objective: 99%}`.
 */
export interface SloLatency {
  /**
   * The longest an event may take and still count as good, e.g. `5m`.
   */
  threshold: string;
  objective: SloObjective;
}

/**
 * A business-capability API (available-to-promise, order status, shipment milestones) with a version, operations with request and response contracts, auth, rate limit, a backend, and a deprecation/sunset lifecycle. One document per major version.
 */
export interface Api {
  /**
   * Always `interlace.dev/v1alpha1`.
   */
  apiVersion: 'interlace.dev/v1alpha1';
  /**
   * Always `Api`.
   */
  kind: 'Api';
  metadata: Metadata;
  /**
   * The API: version, auth, rate limit, operations and lifecycle.
   */
  spec: {
    /**
     * The API's semantic version; the major is part of its identity and of its base path.
     */
    version: string;
    owner?: Owner;
    description?: Description;
    /**
     * URL prefix, e.g. `/order-status/v1`.
     */
    basePath?: string;
    /**
     * Who may call it.
     */
    auth?: {
      /**
       * `api-key`: a key per client in a header. `oauth2`: a bearer JWT checked against a JWKS.
       */
      type: 'none' | 'api-key' | 'oauth2';
      /**
       * Header carrying the API key; default `X-API-Key`.
       */
      header?: string;
      /**
       * JWKS endpoint (oauth2).
       */
      jwksUrl?: string;
      /**
       * Expected `iss` (oauth2).
       */
      issuer?: string;
      /**
       * Expected `aud` (oauth2).
       */
      audience?: string;
      /**
       * Scopes every operation requires (operations may add their own).
       */
      scopes?: string[];
      keysSecretRef?: SecretRef;
    };
    /**
     * Per-client limit; excess requests get 429 with Retry-After.
     */
    rateLimit?: RateLimit;
    /**
     * What the API offers: one entry per HTTP operation.
     *
     * @minItems 1
     */
    operations: [
      {
        /**
         * Operation id, camelCase (`getOrderStatus`).
         */
        id: string;
        /**
         * HTTP method.
         */
        method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
        /**
         * Path below `basePath`, with `{param}` placeholders.
         */
        path: string;
        /**
         * One line for the catalog.
         */
        summary?: string;
        /**
         * Extra scopes this operation requires.
         */
        scopes?: string[];
        /**
         * Path, query and header parameters.
         */
        parameters?: {
          /**
           * Parameter name.
           */
          name: string;
          /**
           * Where it is sent.
           */
          in: 'path' | 'query' | 'header';
          /**
           * Path parameters are always required.
           */
          required?: boolean;
          /**
           * JSON Schema of the value (a string by default).
           */
          schema?: {};
          /**
           * What the parameter means.
           */
          description?: string;
        }[];
        /**
         * Contract of the request body.
         */
        request?: string;
        /**
         * Whether a body must be sent.
         */
        requestRequired?: boolean;
        /**
         * The success response.
         */
        response: {
          /**
           * Success status.
           */
          status?: 200 | 201 | 202 | 204;
          /**
           * Contract of the response body.
           */
          contract: string;
        };
        /**
         * Where the answer comes from: a call to a system (mapped), or a view kept up to date by events.
         */
        backend?: {
          /**
           * Call this System.
           */
          system?: string;
          /**
           * What to call, e.g. `GET /sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder('{orderNumber}')`.
           */
          operation?: string;
          /**
           * Mapping from the system's answer to the response contract.
           */
          mapping?: string;
          /**
           * A materialized view fed by an event route.
           */
          view?: {
            /**
             * The EventRoute whose events feed the view.
             */
            route: string;
            /**
             * Fields that key the view; matched against path parameters of the same names.
             *
             * @minItems 1
             */
            key: [FieldPath, ...FieldPath[]];
          };
        };
      },
      ...{
        /**
         * Operation id, camelCase (`getOrderStatus`).
         */
        id: string;
        /**
         * HTTP method.
         */
        method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
        /**
         * Path below `basePath`, with `{param}` placeholders.
         */
        path: string;
        /**
         * One line for the catalog.
         */
        summary?: string;
        /**
         * Extra scopes this operation requires.
         */
        scopes?: string[];
        /**
         * Path, query and header parameters.
         */
        parameters?: {
          /**
           * Parameter name.
           */
          name: string;
          /**
           * Where it is sent.
           */
          in: 'path' | 'query' | 'header';
          /**
           * Path parameters are always required.
           */
          required?: boolean;
          /**
           * JSON Schema of the value (a string by default).
           */
          schema?: {};
          /**
           * What the parameter means.
           */
          description?: string;
        }[];
        /**
         * Contract of the request body.
         */
        request?: string;
        /**
         * Whether a body must be sent.
         */
        requestRequired?: boolean;
        /**
         * The success response.
         */
        response: {
          /**
           * Success status.
           */
          status?: 200 | 201 | 202 | 204;
          /**
           * Contract of the response body.
           */
          contract: string;
        };
        /**
         * Where the answer comes from: a call to a system (mapped), or a view kept up to date by events.
         */
        backend?: {
          /**
           * Call this System.
           */
          system?: string;
          /**
           * What to call, e.g. `GET /sap/opu/odata/sap/API_SALES_ORDER_SRV/A_SalesOrder('{orderNumber}')`.
           */
          operation?: string;
          /**
           * Mapping from the system's answer to the response contract.
           */
          mapping?: string;
          /**
           * A materialized view fed by an event route.
           */
          view?: {
            /**
             * The EventRoute whose events feed the view.
             */
            route: string;
            /**
             * Fields that key the view; matched against path parameters of the same names.
             *
             * @minItems 1
             */
            key: [FieldPath, ...FieldPath[]];
          };
        };
      }[]
    ];
    deprecation?: Deprecation;
    scale?: Scale;
    /**
     * Service-level objectives of this API. `interlace generate` turns them into Prometheus recording rules, multi-window multi-burn-rate alerts and a dashboard (docs/observability.md).
     */
    slo?: {
      /**
       * `objective` of requests are answered without a server error (any status but 5xx).
       */
      availability?: {
        objective: SloObjective;
      };
      latency?: SloLatency;
      /**
       * The operations the objectives cover, by id (default: every operation).
       *
       * @minItems 1
       */
      operations?: [string, ...string[]];
      /**
       * The period the objective is measured over, the error budget's period (default `720h`, 30 days). Longer than `interval`.
       */
      window?: string;
      /**
       * How often Prometheus evaluates the generated rules (default `1m`): the rule group's `interval`.
       */
      interval?: string;
      runbook?: SloRunbook;
    };
  };
}

/**
 * Governance: built-in rules with parameters, custom rules as CEL expressions over a spec document, their scope and severity, and waivers (rule, target, reason, approver, expiry).
 */
export interface Policy {
  /**
   * Always `interlace.dev/v1alpha1`.
   */
  apiVersion: 'interlace.dev/v1alpha1';
  /**
   * Always `Policy`.
   */
  kind: 'Policy';
  metadata: Metadata;
  /**
   * The policy: rules to enforce and waivers granted.
   */
  spec: {
    owner?: Owner;
    description?: Description;
    /**
     * Rules to enforce. A built-in rule is named by its id; a custom rule has an `expr`.
     */
    rules?: {
      /**
       * Rule id: a built-in (docs/rules.md) or a new id for a custom rule.
       */
      id: string;
      /**
       * Overrides the rule's default severity; `off` disables it.
       */
      severity?: 'error' | 'warning' | 'info' | 'hint' | 'off';
      /**
       * Rule parameters (see the rule's documentation).
       */
      params?: {};
      scope?: Scope;
      /**
       * Custom rule: CEL over `doc` (the spec document) that must be true.
       */
      expr?: string;
      /**
       * Custom rule: what is wrong when `expr` is false.
       */
      message?: string;
      /**
       * Custom rule: what to do about it.
       */
      hint?: string;
    }[];
    /**
     * Accepted exceptions. An expired waiver is itself an error.
     */
    waivers?: ({
      [k: string]: unknown | undefined;
    } & {
      /**
       * The rule id waived.
       */
      rule: string;
      /**
       * The document waived, as `Kind/name` or `Kind/name@major`.
       */
      target?: string;
      /**
       * Waive exactly one finding by its fingerprint.
       */
      fingerprint?: string;
      /**
       * Why this exception is acceptable.
       */
      reason: string;
      /**
       * The team or person accountable for this document: a team slug (`team-order-to-cash`) or an e-mail address.
       */
      approver: string;
      /**
       * The last day the waiver applies.
       */
      expires: string;
    })[];
  };
}
/**
 * Which documents a rule applies to; all of the given conditions must hold. Omitted: every document.
 */
export interface Scope {
  /**
   * Only these kinds.
   */
  kinds?: ('DataContract' | 'System' | 'Mapping' | 'EventRoute' | 'Api' | 'Policy' | 'Workflow')[];
  /**
   * Only these names (`*` wildcards allowed).
   */
  names?: string[];
  /**
   * Only documents with these labels.
   */
  labels?: {
    [k: string]: string | undefined;
  };
}

/**
 * A CEL expression (https://cel.dev). Compiled, never evaluated as host code.
 */
export type Expression = string;
/**
 * A step id, lower-case words joined by `-` (`create-purchase-order`).
 */
export type StepId = string;

/**
 * A long-running business process (replenishment, order-to-cash): a trigger, typed input and state, a business key, and steps — call a System, publish an event, wait for a correlated event with a deadline, set state, branch, loop, run in parallel, ask a person, end — with compensation per step. Executed durably by an engine (Temporal in a cluster, the embedded engine of `interlace run`). One document per major version; see docs/workflows.md.
 */
export interface Workflow {
  /**
   * Always `interlace.dev/v1alpha1`.
   */
  apiVersion: 'interlace.dev/v1alpha1';
  /**
   * Always `Workflow`.
   */
  kind: 'Workflow';
  metadata: Metadata;
  /**
   * The workflow: version, trigger, contracts, business key and steps.
   */
  spec: {
    /**
     * The workflow's semantic version; the major is part of its identity. Executions in flight keep the steps they started with: removing or renaming a step needs a new major, adding steps a minor.
     */
    version: string;
    owner?: Owner;
    description?: Description;
    /**
     * What starts an execution: exactly one of `event`, `api` or `schedule`.
     */
    trigger: {
      /**
       * Start one execution per event on a topic.
       */
      event?: {
        /**
         * The topic whose events start the workflow.
         */
        topic: string;
        /**
         * The contract of the event; the workflow's input unless `input` says otherwise.
         */
        contract: string;
      };
      /**
       * Start an execution when an operation of an Api is called (its request body is the input).
       */
      api?: {
        /**
         * The Api whose operation starts the workflow.
         */
        api: string;
        /**
         * Path of the operation, as the Api declares it (below its basePath).
         */
        path: string;
      };
      /**
       * Start an execution on a schedule (input `{}` unless the input contract has defaults).
       */
      schedule?: {
        /**
         * Five-field cron expression (`0 6 * * 1-5`).
         */
        cron: string;
        /**
         * IANA time zone of the schedule; default UTC.
         */
        timeZone?: string;
      };
    };
    /**
     * The contract of the input; defaults to the event trigger's contract.
     */
    input?: string;
    /**
     * The contract of the state: every `into` and `set` field must be one of its fields.
     */
    state?: string;
    /**
     * CEL over `input`: the business key (proposal number, order number) that correlates waits and names the execution.
     */
    key: string;
    /**
     * The first step; defaults to the first in `steps`.
     */
    start?: string;
    /**
     * The steps. A step without `next` continues with the one below it; each step has an `id` and exactly one action.
     *
     * @minItems 1
     * @maxItems 500
     */
    steps: [Step, ...Step[]];
  };
}
/**
 * One step: `id`, exactly one action (`call`, `publish`, `wait`, `set`, `branch`, `forEach`, `parallel`, `humanTask`, `end`), and optionally `next` and `compensate`.
 */
export interface Step {
  /**
   * Unique within the workflow; engines record progress by it, so renaming a step is a breaking change.
   */
  id: string;
  description?: Description;
  /**
   * The step after this one; default: the one below it in `steps`.
   */
  next?: string;
  /**
   * The step that undoes this one. When the workflow ends `compensated` or fails, the compensations of completed steps run in reverse order.
   */
  compensate?: string;
  /**
   * Call a System over HTTP (an activity: retried, idempotent by workflow id and step id).
   */
  call?: {
    /**
     * The System to call (`endpoint.protocol: http`).
     */
    system: string;
    /**
     * HTTP method.
     */
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    /**
     * Path below the System's endpoint URL; `{param}` placeholders are System parameters.
     */
    path: string;
    /**
     * CEL over `input`, `state`, `key` and loop variables: the request body. Not with `mapping`.
     */
    request?: string;
    /**
     * Build the request body with a Mapping instead of `request`: the governed, tested mapping a route would use. Its `to` must be a contract the System speaks; a fan-out mapping (`each`) or one that enriches is refused.
     */
    mapping?: {
      /**
       * The Mapping to apply.
       */
      name: string;
      /**
       * CEL: what the mapping reads; its type must be the mapping's `from` contract. Default `input`.
       */
      from?: string;
      /**
       * CEL object applied on top of the mapping's output as a JSON merge patch (RFC 7396: a field replaces, an object merges, `null` removes), e.g. a block reason from the state.
       */
      merge?: string;
    };
    /**
     * The contract of the response body; required with `into`.
     */
    response?: string;
    /**
     * State field that receives the response body.
     */
    into?: string;
    /**
     * Per attempt; default the System's `limits.timeout`, else `30s`.
     */
    timeout?: string;
    retry?: Retry;
    /**
     * Where to go when the call fails for good; default: the workflow fails (and compensates).
     */
    onError?: string;
  };
  /**
   * Publish an event (an activity; its id derives from workflow id and step id, so a retry cannot duplicate it).
   */
  publish?: {
    topic: Topic;
    /**
     * The contract of the event.
     */
    contract: string;
    /**
     * CEL: the event to publish.
     */
    event: string;
  };
  /**
   * Wait for an event whose correlation value equals this execution's business key (or the `match` value), up to a deadline.
   */
  wait?: {
    topic: Topic;
    /**
     * The contract of the awaited event.
     */
    contract: string;
    /**
     * CEL over `event`: its correlation value, compared with the workflow's `key` (or with `match`).
     */
    correlate: string;
    /**
     * CEL over `input` and `state`, read when the wait starts: the value `correlate` must equal, when the event is keyed by something other than the workflow's key (a purchase order number the workflow learned from a call). Default: the workflow's key.
     */
    match?: string;
    /**
     * How long to wait.
     */
    timeout: string;
    /**
     * Where to go when no matching event arrived in time.
     */
    onTimeout: string;
    /**
     * State field that receives the event.
     */
    into?: string;
  };
  /**
   * Assign computed values to state fields: field name → CEL.
   */
  set?: {
    [k: string]: Expression | undefined;
  };
  /**
   * Go to the first choice whose `when` is true, else to `otherwise`.
   */
  branch?: {
    /**
     * Tried in order.
     *
     * @minItems 1
     */
    choices: [
      {
        /**
         * A CEL expression (https://cel.dev). Compiled, never evaluated as host code.
         */
        when: string;
        next: StepId;
      },
      ...{
        /**
         * A CEL expression (https://cel.dev). Compiled, never evaluated as host code.
         */
        when: string;
        next: StepId;
      }[]
    ];
    otherwise: StepId;
  };
  /**
   * Run a sub-flow once per item of a list.
   */
  forEach?: {
    /**
     * A CEL expression (https://cel.dev). Compiled, never evaluated as host code.
     */
    items: string;
    /**
     * Name of the current item in the sub-flow's expressions.
     */
    as: string;
    /**
     * A step id, lower-case words joined by `-` (`create-purchase-order`).
     */
    do: string;
    /**
     * Items run at the same time; default 1 (in order).
     */
    concurrency?: number;
    /**
     * State field that receives the list of the iterations' results.
     */
    into?: string;
  };
  /**
   * Run sub-flows at the same time; the step completes when every branch reached its `end`.
   */
  parallel?: {
    /**
     * First step of each branch.
     *
     * @minItems 2
     * @maxItems 20
     *
     * Items: A step id, lower-case words joined by `-` (`create-purchase-order`).
     */
    branches:
      | [string, string]
      | [string, string, string]
      | [string, string, string, string]
      | [string, string, string, string, string]
      | [string, string, string, string, string, string]
      | [string, string, string, string, string, string, string]
      | [string, string, string, string, string, string, string, string]
      | [string, string, string, string, string, string, string, string, string]
      | [string, string, string, string, string, string, string, string, string, string]
      | [string, string, string, string, string, string, string, string, string, string, string]
      | [string, string, string, string, string, string, string, string, string, string, string, string]
      | [string, string, string, string, string, string, string, string, string, string, string, string, string]
      | [string, string, string, string, string, string, string, string, string, string, string, string, string, string]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ]
      | [
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string,
          string
        ];
  };
  /**
   * A person approves or rejects through the generated API before a deadline.
   */
  humanTask?: {
    /**
     * A CEL expression (https://cel.dev). Compiled, never evaluated as host code.
     */
    title: string;
    /**
     * The team or person accountable for this document: a team slug (`team-order-to-cash`) or an e-mail address.
     */
    assignee: string;
    /**
     * Deadline; then `onTimeout`.
     */
    due: string;
    onApprove: StepId;
    onReject: StepId;
    onTimeout: StepId;
    /**
     * State field that receives the decision: `decision` (`approve` or `reject`), `by`, `comment`, and `at` (when, RFC 3339).
     */
    into?: string;
  };
  /**
   * The execution (or sub-flow) ends.
   */
  end?: {
    /**
     * `compensated`: run the compensations of completed steps, then end. `escalated`: an exception to operations with the history.
     */
    status: 'completed' | 'failed' | 'compensated' | 'escalated';
    /**
     * A CEL expression (https://cel.dev). Compiled, never evaluated as host code.
     */
    reason?: string;
  };
}
/**
 * How a failed call is retried (exponential backoff between the intervals).
 */
export interface Retry {
  /**
   * Attempts in all, the first included; default 3.
   */
  maxAttempts?: number;
  /**
   * Wait before the second attempt; default `1s`.
   */
  initialInterval?: string;
  /**
   * Longest wait between attempts; default `1m`.
   */
  maxInterval?: string;
}
