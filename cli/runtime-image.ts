/**
 * The image that runs bundles (`interlace worker`) when neither the Estate nor a flag names one: the
 * worker flavour of Interlace's own image, which holds only what the worker loads (docs/image.md). The
 * controller itself runs the full image (the chart's `image`); Workflow units run the temporal flavour
 * when one is named (`--temporal-image`, spec.workflows.temporal.image).
 */
export function defaultRuntimeImage(version: string): string {
  return `ghcr.io/interlace-dev/interlace:${version}-worker`;
}
