import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../api/client.ts';

export interface AsyncState<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  /** Loads again (keeping the shown data until the new one arrives). */
  reload(): void;
  /** Replaces the data in place (live updates, optimistic changes). */
  set(update: (previous: T | undefined) => T | undefined): void;
}

/**
 * Runs `load` when `deps` change (aborting the previous run) and, with `everyMs`, again on that
 * interval while the tab is visible.
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  everyMs?: number,
): AsyncState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    loadRef.current(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
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
  }, [...deps, generation]);

  useEffect(() => {
    if (!everyMs) return undefined;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') setGeneration((g) => g + 1);
    }, everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const set = useCallback((update: (previous: T | undefined) => T | undefined) => setData(update), []);
  return { data, error, loading, reload, set };
}
