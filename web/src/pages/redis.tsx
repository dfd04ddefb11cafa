import type { ComponentChildren } from 'preact';
import { ApiError, api } from '../api/client.ts';
import { SELF_REDIS_HOST } from '../api/redis.ts';
import type { Host } from '../api/types.ts';
import { Link } from '../components/link.tsx';
import { Notice } from '../components/notice.tsx';
import { RedisView } from '../components/redis-view.tsx';
import { formatSeconds } from '../lib/format.ts';
import { useAsync } from '../lib/use-async.ts';
import type { PageProps } from './registry.ts';

/** Vitals' own Redis is collected every 15 s by the self-monitor. */
const SELF_INTERVAL_SEC = 15;

async function loadHost(id: string, signal: AbortSignal): Promise<Host | null> {
  try {
    return await api<Host>(`/api/v1/hosts/${encodeURIComponent(id)}`, { signal });
  } catch (err: unknown) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/** Where a monitored Redis is reached, from its collector settings (secrets are masked by the API). */
function targetText(host: Host): string {
  const s = host.collector.settings;
  if (typeof s.url === 'string') return s.url.replace(/\/\/[^@/]*@/, '//');
  if (typeof s.host === 'string') return `${s.host}:${typeof s.port === 'number' ? s.port : 6379}`;
  return '';
}

/** One monitored Redis (a host of collector kind `redis`), or Vitals' own under its host id. */
export function RedisPage({ params }: PageProps) {
  const id = params.id ?? '';
  const self = id === SELF_REDIS_HOST;
  const host = useAsync((signal) => loadHost(id, signal), [id]);
  const name = host.data?.name ?? id;
  const hostLink = <Link href={`/hosts/${encodeURIComponent(id)}`}>all series of {name}</Link>;

  let body: ComponentChildren;
  if (host.error) body = <Notice kind="error">Could not load the host: {host.error}</Notice>;
  else if (host.data === undefined) body = <p class="muted">Loading…</p>;
  else if (host.data === null && !self)
    body = (
      <Notice kind="info">
        There is no host <code>{id}</code> in this org. <Link href="/">Back to the overview</Link>
      </Notice>
    );
  else if (host.data && host.data.collector.kind !== 'redis' && !self)
    body = (
      <Notice kind="info">
        <code>{id}</code> is not collected as a Redis (its collector is {host.data.collector.kind}). See{' '}
        {hostLink}.
      </Notice>
    );
  else
    body = (
      <RedisView
        seriesHost={id}
        target={self ? undefined : id}
        intervalSec={self ? SELF_INTERVAL_SEC : (host.data?.metricsInterval ?? 900)}
        level={2}
        missingNote={
          self
            ? "Vitals' own Redis belongs to the default org; this token's org cannot see it."
            : `The Redis figures of ${id} are not available to this org.`
        }
      />
    );

  return (
    <>
      <div class="page-head">
        <h1 tabIndex={-1}>Redis · {name}</h1>
        <p class="muted">
          {self
            ? "Vitals' own Redis, read every 15 s by the self-monitor"
            : host.data
              ? `${targetText(host.data)} · collected every ${formatSeconds(host.data.metricsInterval)}`
              : ''}
          {host.data && <> · {hostLink}</>}
        </p>
      </div>
      {body}
    </>
  );
}
