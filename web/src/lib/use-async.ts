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

export interface AsyncOptions {
  /**
   * Whether data loaded for earlier `deps` stays shown while the data for new ones loads (a chart
   * keeps its lines while another range loads). False where the old data would be wrong under the new
   * deps (a list of another tab): `data` and `error` are then undefined until the new load ends.
   * @defaultValue true
   */
  readonly keepAcrossDeps?: boolean;
}

interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  /** The deps (by their count of changes) the data and error were loaded for. */
  readonly epoch: number;
}

function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

/**
 * Runs `load` when `deps` change (aborting the previous run) and, with `everyMs`, again on that
 * interval while the tab is visible.
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
  everyMs?: number,
  options: AsyncOptions = {},
): AsyncState<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ data: undefined, error: undefined, epoch: 0 });
  const [loading, setLoading] = useState(true);
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // Counts the changes of deps (not the reloads), so data can be told from data of earlier deps.
  const depsRef = useRef({ deps, epoch: 0 });
  if (!sameDeps(depsRef.current.deps, deps)) depsRef.current = { deps, epoch: depsRef.current.epoch + 1 };
  const epoch = depsRef.current.epoch;

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    loadRef.current(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setLoaded({ data: value, error: undefined, epoch });
        setLoading(false);
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setLoaded((previous) => ({ data: previous.data, error: messageOf(err), epoch }));
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
  const set = useCallback(
    (update: (previous: T | undefined) => T | undefined) =>
      setLoaded((previous) => ({ ...previous, data: update(previous.data) })),
    [],
  );
  const current = options.keepAcrossDeps !== false || loaded.epoch === epoch;
  return {
    data: current ? loaded.data : undefined,
    error: current ? loaded.error : undefined,
    loading,
    reload,
    set,
  };
}
