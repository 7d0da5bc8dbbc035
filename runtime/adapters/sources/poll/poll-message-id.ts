import { createHash } from 'node:crypto';

const READABLE = /^[A-Za-z0-9._:@/\-[\]",]{1,200}$/;

/**
 * The message id of one polled change, from the source's own identity of it: the poll, the row's key
 * and its last-modified time (`items/["4711"]/2026-01-15T10:45:29.337Z`), or the poll and a queue
 * entry's id (`events/8812`). The source context adds the System and the event. The same change read
 * twice — after a crash between publish and watermark, or by two replicas — gets the same id, so
 * the backbone stores it once. Ids with other characters, or longer than 200, are hashed (a header
 * value must stay one short line).
 */
export function pollMessageId(poll: string, ...parts: string[]): string {
  const id = [poll, ...parts].join('/');
  if (READABLE.test(id)) return id;
  return `${poll}/sha256:${createHash('sha256').update(id).digest('base64url')}`;
}
