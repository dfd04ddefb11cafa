import { loadQueue } from '../api/queue.ts';
import {
  familyBy,
  familySum,
  type Latest,
  loadLatest,
  loadProcessFigures,
  SELF_HOST,
  SELF_REDIS_HOST,
} from '../api/redis.ts';
import type { ChartSpec } from '../charts/specs.ts';
import { Link } from '../components/link.tsx';
import { Notice } from '../components/notice.tsx';
import {
  formatBytes,
  formatCount,
  formatMs,
  keysUnder,
  latestValue,
  pick,
} from '../components/redis-series.ts';
import { RedisView } from '../components/redis-view.tsx';
import { SeriesCharts } from '../components/series-charts.tsx';
import { formatDateTime, formatPct, NA, num } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';

const REFRESH_MS = 15_000;
const SELF_INTERVAL_SEC = 15;

function Figure(props: {
  readonly id: string;
  readonly label: string;
  readonly value: string;
  readonly detail?: string;
}) {
  return (
    <div class={`figure figure-${props.id}`} data-figure={props.id}>
      <dt>{props.label}</dt>
      <dd>{props.value}</dd>
      {props.detail && <dd class="figure-detail muted small">{props.detail}</dd>}
    </div>
  );
}

function queueSpecs(latest: Latest | undefined): ChartSpec[] {
  const has = (key: string) => latest?.has(key) === true;
  const specs: ChartSpec[] = [
    {
      id: 'queue-jobs',
      title: 'Collection jobs',
      format: (x) => formatCount(x),
      lines: [
        { key: 'vitals.queue.waiting', label: 'waiting' },
        { key: 'vitals.queue.active', label: 'active' },
        { key: 'vitals.queue.delayed', label: 'delayed' },
        { key: 'vitals.queue.failed', label: 'failed' },
      ].filter((l) => has(l.key)),
    },
    {
      id: 'queue-times',
      title: 'Wait and processing time (p95)',
      format: formatMs,
      lines: [
        { key: 'vitals.queue.wait_p95_ms', label: 'wait' },
        { key: 'vitals.queue.processing_p95_ms', label: 'processing' },
      ].filter((l) => has(l.key)),
    },
  ];
  return specs.filter((s) => s.lines.length > 0);
}

/** The collection queue: the org's counts from the queue API, timings from the `vitals.queue.*` series. */
function QueueSection({ self }: { readonly self: Latest | undefined }) {
  const queue = useAsync(loadQueue, [], REFRESH_MS);
  const v = (key: string) => latestValue(self, key);
  const counts = queue.data?.counts;
  const specs = queueSpecs(self);
  const triple = (kind: 'wait' | 'processing') =>
    `p50 ${formatMs(v(`vitals.queue.${kind}_p50_ms`))} · p99 ${formatMs(v(`vitals.queue.${kind}_p99_ms`))}`;
  return (
    <section aria-labelledby="system-queue">
      <h2 id="system-queue">Collection queue</h2>
      {queue.error && <Notice kind="error">Could not load the queue: {queue.error}</Notice>}
      <dl class="figures system-figures queue-figures">
        <Figure
          id="waiting"
          label="Waiting"
          value={formatCount(pick(counts?.waiting, v('vitals.queue.waiting')))}
        />
        <Figure
          id="active"
          label="Active"
          value={formatCount(pick(counts?.active, v('vitals.queue.active')))}
        />
        <Figure
          id="delayed"
          label="Delayed"
          value={formatCount(pick(counts?.delayed, v('vitals.queue.delayed')))}
        />
        <Figure
          id="failed"
          label="Failed"
          value={formatCount(pick(counts?.failed, v('vitals.queue.failed')))}
        />
        <Figure
          id="wait"
          label="Wait time p95"
          value={formatMs(v('vitals.queue.wait_p95_ms'))}
          detail={triple('wait')}
        />
        <Figure
          id="processing"
          label="Processing time p95"
          value={formatMs(v('vitals.queue.processing_p95_ms'))}
          detail={triple('processing')}
        />
        <Figure
          id="failure-rate"
          label="Failure rate"
          value={formatPct(v('vitals.queue.failure_rate_pct'))}
          detail={
            queue.data
              ? `${queue.data.throughput.completedPerMinute} completed / min, ${queue.data.throughput.failedPerMinute} failed / min`
              : undefined
          }
        />
      </dl>
      <p class="muted small">
        Counts are this org's view of the queue; timings and the failure rate cover the whole queue.{' '}
        <Link href="/queue">Manage the queue</Link>
      </p>
      {specs.length > 0 && (
        <SeriesCharts
          host={SELF_HOST}
          specs={specs}
          spanMs={3_600_000}
          minStepMs={SELF_INTERVAL_SEC * 1000}
        />
      )}
    </section>
  );
}

/** Ingest: this process' counters from `/metrics`, and any stored `vitals.ingest.*` series. */
function IngestSection({ self }: { readonly self: Latest | undefined }) {
  const figures = useAsync(loadProcessFigures, [], REFRESH_MS);
  const f = figures.data;
  const flushCount = familySum(f, 'vitals_writer_flush_duration_seconds_count');
  const flushSum = familySum(f, 'vitals_writer_flush_duration_seconds_sum');
  const rejected = familyBy(f, 'vitals_ingest_rejected_total', 'reason');
  const stored = keysUnder(self, 'vitals.ingest.');
  const available = f !== undefined || stored.length > 0;
  return (
    <section aria-labelledby="system-ingest">
      <h2 id="system-ingest">Ingest</h2>
      {!available && !figures.loading && (
        <p class="muted">
          N/A: this token cannot read the server's own figures (they belong to the default org).
        </p>
      )}
      {f && (
        <>
          <dl class="figures system-figures ingest-figures">
            <Figure
              id="samples"
              label="Samples accepted"
              value={formatCount(familySum(f, 'vitals_ingest_samples_total'))}
            />
            <Figure
              id="rejected"
              label="Rejections"
              value={formatCount(
                familySum(f, 'vitals_ingest_rejected_total') ?? (rejected.size === 0 ? undefined : 0),
              )}
              detail={
                rejected.size > 0
                  ? [...rejected].map(([r, n]) => `${r} ${n.toLocaleString()}`).join(' · ')
                  : undefined
              }
            />
            <Figure
              id="flush"
              label="Writer flush, mean"
              value={flushCount && flushSum !== undefined ? formatMs((1000 * flushSum) / flushCount) : NA}
              detail={flushCount !== undefined ? `${flushCount.toLocaleString()} flushes` : undefined}
            />
            <Figure id="spool" label="Spool" value={formatBytes(familySum(f, 'vitals_spool_bytes'))} />
          </dl>
          <p class="muted small">
            Counters of this server process since it started (from its <code>/metrics</code>).
          </p>
        </>
      )}
      {stored.length > 0 && (
        <dl class="pairs">
          {stored.map((key) => (
            <div key={key}>
              <dt>
                <code>{key}</code>
              </dt>
              <dd>{formatCount(num(self?.get(key)?.value), 2)}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

/** Vitals itself: its own Redis, the collection queue, ingest and the client-side command timings. */
export function SystemPage() {
  const self = useAsync((signal) => loadLatest(SELF_HOST, signal), [], REFRESH_MS);
  const selfData = self.data?.kind === 'data' ? self.data.data : undefined;
  const newest =
    selfData && selfData.size > 0 ? Math.max(...[...selfData.values()].map((p) => p.timestamp)) : undefined;
  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>System</h1>
        <p class="muted">
          Vitals' own Redis, queue and ingest, written every 15 s as hosts <code>{SELF_REDIS_HOST}</code> and{' '}
          <code>{SELF_HOST}</code> of the default org · newest {formatDateTime(newest)}
        </p>
      </div>
      {self.data?.kind === 'missing' && (
        <Notice kind="info">
          No stored figures of the server itself (host <code>{SELF_HOST}</code>): they belong to the default
          org and appear one interval after the start. Another org's token sees only its own queue counts.
        </Notice>
      )}
      {self.error && <Notice kind="error">Could not load the server's figures: {self.error}</Notice>}
      <section aria-labelledby="system-redis">
        <h2 id="system-redis">Vitals' own Redis</h2>
        <RedisView
          seriesHost={SELF_REDIS_HOST}
          target={undefined}
          intervalSec={SELF_INTERVAL_SEC}
          level={3}
          showClient
          selfSeries={selfData}
          missingNote="Vitals' own Redis belongs to the default org; this token's org cannot see it."
        />
      </section>
      <QueueSection self={selfData} />
      <IngestSection self={selfData} />
    </>
  );
}
