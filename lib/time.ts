/**
 * A Kubernetes timestamp (metav1.Time): RFC 3339 in UTC with seconds precision (`2025-01-02T03:04:05Z`), as the API
 * server stores metav1.Time. Condition times, `lastTransitionTime` and Estate status fields use it, so
 * a status written twice in the same second compares equal and causes no write.
 */
export function kubeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** A Kubernetes MicroTime (`2025-01-02T03:04:05.678000Z`): RFC 3339 with microseconds, as events.k8s.io/v1 `eventTime` requires. */
export function kubeMicroTime(date: Date): string {
  return `${date.toISOString().slice(0, 23)}000Z`;
}
