/** Label and annotation keys the controller writes; the reconcile loop selects and prunes by them. */

export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'interlace';
/** Name of the Estate that applied the object. */
export const LABEL_ESTATE = 'interlace.dev/estate';
/** Namespace of the Estate (the objects may live in another one). */
export const LABEL_ESTATE_NAMESPACE = 'interlace.dev/estate-namespace';
/** The spec document's own name (`order`) for versioned kinds, whose object is `order-v2`. */
export const LABEL_NAME = 'interlace.dev/name';
/** The major of a versioned kind, as a string (`"2"`). */
export const LABEL_MAJOR = 'interlace.dev/major';
/** The deployable unit a runtime object belongs to; also the Deployment's selector. */
export const LABEL_UNIT = 'interlace.dev/unit';

/** Source revision (`main@sha1:<commit>`) in which the object's desired content last changed. */
export const ANNOTATION_REVISION = 'interlace.dev/revision';
/** `path/to/spec.yaml:12`: the document the object comes from. */
export const ANNOTATION_SOURCE = 'interlace.dev/source';
/** SHA-256 of the desired object; equal hashes mean nothing to apply unless the live object drifted. */
export const ANNOTATION_CONTENT_HASH = 'interlace.dev/content-hash';
/** On the pod template: SHA-256 of the bundle, so a new bundle rolls the Deployment. */
export const ANNOTATION_BUNDLE_HASH = 'interlace.dev/bundle-hash';

/** Field manager of every write the controller makes (server-side apply). */
export const FIELD_MANAGER = 'interlace-controller';
