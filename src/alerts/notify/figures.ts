import type { Queue } from 'bullmq';

/** Outcomes counted by this process since it started. */
export interface DeliveryCounters {
  delivered: number;
  retried: number;
  failed: number;
}

export interface DeliveryFigures extends Readonly<DeliveryCounters> {
  /** Waiting to run, retries in backoff and deliveries deferred by quiet hours (all processes). */
  readonly pending: number;
  /** Of those, deferred or in backoff. */
  readonly delayed: number;
  /** Being sent now (all processes). */
  readonly inFlight: number;
}

const FIGURES_TIMEOUT_MS = 2000;

export async function deliveryFigures(queue: Queue, counters: DeliveryCounters): Promise<DeliveryFigures> {
  let timer: NodeJS.Timeout | undefined;
  const counts = await Promise.race([
    queue.getJobCounts('wait', 'prioritized', 'delayed', 'active'),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('delivery queue did not answer')), FIGURES_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  const n = (k: string) => counts[k] ?? 0;
  return {
    pending: n('wait') + n('prioritized') + n('delayed'),
    delayed: n('delayed'),
    inFlight: n('active'),
    ...counters,
  };
}

/** `/health` check `alerts:delivery` (IETF health-check shape): `warn` while the queue cannot be read. */
export function deliveryCheck(figures: () => Promise<DeliveryFigures>, counters: () => DeliveryCounters) {
  return async () => {
    const time = new Date().toISOString();
    try {
      const f = await figures();
      return {
        componentType: 'component',
        componentId: 'alerts-delivery',
        status: 'pass' as const,
        observedValue: f.pending,
        observedUnit: 'deliveries',
        time,
        ...f,
      };
    } catch (err: unknown) {
      return {
        componentType: 'component',
        componentId: 'alerts-delivery',
        status: 'warn' as const,
        time,
        ...counters(),
        output: `delivery queue unreadable: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  };
}
