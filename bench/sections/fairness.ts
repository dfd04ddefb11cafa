import { startRedis } from '../../test/harness/index.ts';
import { FAIRNESS_LIMITS, measureFairness, OTHER_ORGS } from '../../test/support/fairness.ts';
import type { Figure } from '../report.ts';

const SECTION = 'Fair shares between orgs (one org at all its limits, loopback HTTP)';

/**
 * The other orgs' latencies with one org at all its limits, against the same requests without that
 * org's load (the baseline), measured in alternating rounds in this run (test/support/fairness.ts).
 */
export async function fairnessBench(): Promise<Figure[]> {
  const redis = await startRedis();
  try {
    const { p50, batches, report } = await measureFairness(redis);
    const last = batches.at(-1);
    if (!last) return [];
    const limits = `org limits ${FAIRNESS_LIMITS.VITALS_RATE_LIMIT_PER_ORG} req/min, ${FAIRNESS_LIMITS.VITALS_LIVE_STREAMS_PER_ORG} live streams, ${FAIRNESS_LIMITS.VITALS_EXPORTS_PER_ORG} exports at ${Number(FAIRNESS_LIMITS.VITALS_EXPORT_RATE) / 1024} KiB/s`;
    const got = JSON.stringify(report.statuses);
    return [
      {
        section: SECTION,
        name: `p99 of ${OTHER_ORGS} other orgs' latest-value reads, loaded (baseline: same rounds without the load)`,
        value: last.loadedP99,
        baseline: last.idleP99,
        unit: 'ms',
        note: `${last.samples} requests per condition; ${limits}; the loading org got ${got}`,
      },
      {
        section: SECTION,
        name: 'loaded p99 / unloaded p99',
        value: last.loadedP99 / last.idleP99,
        unit: '×',
        target: { op: '≤', value: 1.1 },
      },
      {
        section: SECTION,
        name: "p50 of the other orgs' reads, loaded (baseline: without the load)",
        value: p50.loaded,
        baseline: p50.idle,
        unit: 'ms',
      },
    ];
  } finally {
    await redis.close();
  }
}
