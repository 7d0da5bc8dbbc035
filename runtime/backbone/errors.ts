/**
 * Errors every backbone implementation throws for the same conditions, so the runtime can react to them
 * without knowing which backbone it runs on.
 */

/** The store is out of space: the message was NOT stored (nothing was acknowledged). */
export class BackboneStorageFullError extends Error {
  override readonly name = 'BackboneStorageFullError';
  readonly code = 'BACKBONE_STORAGE_FULL';
}

/** The topic was never created with `ensureTopic` (publishing to it would store nothing). */
export class TopicNotFoundError extends Error {
  override readonly name = 'TopicNotFoundError';
  readonly code = 'BACKBONE_TOPIC_NOT_FOUND';
}

/** A topic or consumer name the backbone cannot map (see names.ts). */
export class InvalidNameError extends Error {
  override readonly name = 'InvalidNameError';
  readonly code = 'BACKBONE_INVALID_NAME';
}

/** The backbone was closed; the operation did nothing. */
export class BackboneClosedError extends Error {
  override readonly name = 'BackboneClosedError';
  readonly code = 'BACKBONE_CLOSED';
}

/** A publish could not be confirmed as stored before its deadline (the broker is unreachable). */
export class PublishTimeoutError extends Error {
  override readonly name = 'PublishTimeoutError';
  readonly code = 'BACKBONE_PUBLISH_TIMEOUT';
}
