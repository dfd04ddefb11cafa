import { randomBytes } from 'node:crypto';

/**
 * A key prefix no other test (or worker, or earlier run) will use, e.g. `t:writer:3f9a1c2b:`, so tests
 * can share one Redis without ever flushing it. The name is reduced to characters that are safe in a
 * key and never contain `{` or `}`, so a prefix cannot change a key's Cluster hash tag.
 */
export function uniquePrefix(name?: string): string {
  const id = randomBytes(6).toString('hex');
  const slug = (name ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32);
  return slug ? `t:${slug}:${id}:` : `t:${id}:`;
}
