import type { Keys, RedisClient } from '../redis/index.ts';

/**
 * The fixed suffixes under `keys.alerts(org)`, by owner: rules (`rules/store.ts`), channels
 * (`notify/channel-store.ts`), silences (`state/silences.ts`), the lifecycle (`state/store.ts`:
 * state, inst, resolved, history, outbox) and deliveries (`notify/deliveries.ts`). A new one is added
 * here, or deleting an org leaves it behind (test/orgs.test.ts looks).
 */
const SUFFIXES = [
  'rules',
  'channels',
  'silences',
  'state',
  'inst',
  'resolved',
  'history',
  'outbox',
  'deliveries',
  'deliveries:recent',
] as const;

/**
 * Every key of the org's alerting: the fixed ones, and one delivered marker per delivery (listed in
 * the deliveries hash and its recent index, which live as long as the markers). Read from those, not
 * by a key SCAN.
 */
export async function alertDataKeys(redis: RedisClient, keys: Keys, org: string): Promise<string[]> {
  const base = keys.alerts(org);
  const [records, recent] = await Promise.all([
    redis.hkeys(`${base}deliveries`),
    redis.zrange(`${base}deliveries:recent`, 0, -1),
  ]);
  const delivered = new Set([...records, ...recent]);
  return [
    ...SUFFIXES.map((suffix) => `${base}${suffix}`),
    ...[...delivered].map((k) => `${base}delivered:${k}`),
  ];
}
