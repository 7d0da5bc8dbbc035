import { objectKey } from './object-key.ts';
import type { KubeObject, ObjectRef, PlannedObject } from './types.ts';

/**
 * The uid in a planned ownerReference. The uid of a spec object exists only once stage 2 is applied,
 * so a plan is pure and the applier binds owners between stage 2 and stage 3 ({@link bindOwnerUids}).
 * An object that still carries the placeholder must not be sent to the API server.
 */
export const OWNER_UID_PLACEHOLDER = '00000000-0000-0000-0000-000000000000';

/**
 * Returns the object with its ownerReference uids filled in from `uidOf` (typically: the uid the
 * stage-2 apply returned). Throws when an owner has no uid: a bug in the apply order, not a user error.
 */
export function bindOwnerUids(planned: PlannedObject, uidOf: (owner: ObjectRef) => string | undefined): KubeObject {
  const object = structuredClone(planned.object);
  const refs = object.metadata.ownerReferences;
  if (!refs || !planned.owner) return object;
  const uid = uidOf(planned.owner);
  if (!uid) throw new Error(`no uid for the owner ${objectKey(planned.owner)} of ${planned.key}: apply stage 2 first`);
  object.metadata.ownerReferences = refs.map((ref) => ({ ...ref, uid }));
  return object;
}

/** True while an object still carries a placeholder owner uid. */
export function hasUnboundOwner(object: KubeObject): boolean {
  return (object.metadata.ownerReferences ?? []).some((ref) => ref.uid === OWNER_UID_PLACEHOLDER);
}
