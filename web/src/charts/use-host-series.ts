import { useEffect, useState } from 'preact/hooks';
import { messageOf } from '../api/client.ts';
import { useLiveEvents } from '../api/live.ts';
import { loadHostSeries } from './data.ts';
import { foldLive } from './fold.ts';
import type { TimeWindow } from './ranges.ts';
import { stepFor } from './ranges.ts';
import type { HostSeries } from './series.ts';

export interface HostSeriesState {
  readonly series: HostSeries | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
}

/**
 * The bucketed series of a host over a window, with a step fitting `widthPx` (at least `minStepMs`: a
 * pulled host's interval, so its sparse samples still draw as lines); a rolling window follows the live
 * stream (new values fold into the newest bucket, old buckets fall off the start).
 */
export function useHostSeries(
  host: string,
  keys: readonly string[],
  window: TimeWindow,
  widthPx: number,
  minStepMs = 0,
): HostSeriesState {
  const [series, setSeries] = useState<HostSeries | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const span = window.to - window.from;
  const keyList = keys.join(',');

  useEffect(() => {
    if (keys.length === 0 || widthPx <= 0) return undefined;
    const controller = new AbortController();
    setLoading(true);
    const step = Math.max(stepFor(span, widthPx), minStepMs);
    loadHostSeries(host, keys, window.from, window.to, step, controller.signal).then(
      (s) => {
        setSeries(s);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(messageOf(err));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [host, keyList, window.from, window.to, Math.round(widthPx / 100), minStepMs]);

  useLiveEvents(
    (event) => {
      if (!window.rolling || event.type !== 'samples' || event.host !== host) return;
      setSeries((s) => s && foldLive(s, event.samples, Date.now() - span));
    },
    [host, window.rolling, span],
  );
  return { series, error, loading };
}
