import type { EventType } from './contract.ts';
import type { EventLog } from './log.ts';
import { compareEvents, type StoredEvent } from './record.ts';

/**
 * Reads every org's types for [from, to] from Redis (one MGET per type, all pipelined) and refills
 * the rings: the reloaded events and those recorded since the start, de-duplicated, in time order,
 * the newest `memorySize` of them. Returns the number of events now held.
 */
export async function reloadRings(log: EventLog, from: number, to: number): Promise<number> {
  const orgs = await log.store.orgs();
  const pairs = (
    await Promise.all(orgs.map(async (org) => (await log.store.types(org)).map((type) => ({ org, type }))))
  ).flat();
  const read = await Promise.all(
    pairs.map(async ({ org, type }) => ({
      org,
      type,
      events: await log.store.readWindows(org, type, from, to),
    })),
  );
  let held = 0;
  for (const { org, type, events } of read) held += refill(log, org, type, events, from);
  return held;
}

function refill(log: EventLog, org: string, type: EventType, stored: StoredEvent[], from: number): number {
  if (!log.ringFor(org, type)) return 0;
  const recorded = log.ringOf(org, type)?.toArray() ?? [];
  const seen = new Set<string>();
  const all: StoredEvent[] = [];
  for (const e of [...stored, ...recorded]) {
    if (e.at < from) continue;
    const id = e.id;
    if (seen.has(id)) continue;
    seen.add(id);
    all.push(e);
  }
  all.sort(compareEvents);
  const size = log.options.memorySize;
  const cut = all.length > size ? all.length - size : 0;
  log.replaceRing(org, type, cut > 0 ? all.slice(cut) : all, cut > 0 ? all[cut - 1]?.at : undefined);
  return all.length - cut;
}
