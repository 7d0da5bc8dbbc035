/**
 * A Kubernetes timestamp: RFC 3339 in UTC with seconds precision (`2025-01-02T03:04:05Z`), as the API
 * server stores metav1.Time. Condition times, `lastTransitionTime` and Estate status fields use it, so
 * a status written twice in the same second compares equal and causes no write.
 */
export function kubeTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
