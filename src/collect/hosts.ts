import type { PullKind } from './collector.ts';

/** What collection needs of a host; tenancy's `Host` has this shape. */
export interface CollectHost {
  readonly id: string;
  readonly metricsEnabled: boolean;
  /** Pull interval in seconds. */
  readonly metricsInterval: number;
  readonly collector: { readonly kind: string; readonly settings: Readonly<Record<string, unknown>> };
}

export interface HostChangeEvent {
  readonly org: string;
  readonly host: { readonly id: string };
}

/**
 * Where hosts come from: tenancy (`Tenancy` satisfies this interface as it is). Change events are
 * hints only: the scheduler re-reads the host, so events that arrive late or out of order are harmless.
 */
export interface HostSource {
  listOrgs(): Promise<readonly { readonly id: string }[]>;
  /** `fresh`: read the store itself, past any cache (reconciliation catches up with missed changes). */
  listHosts(org: string, options?: { readonly fresh?: boolean }): Promise<readonly CollectHost[]>;
  getHost(org: string, id: string, options?: { readonly fresh?: boolean }): Promise<CollectHost | undefined>;
  onHostChange(listener: (change: HostChangeEvent) => void): () => void;
}

const PULL_KINDS: ReadonlySet<string> = new Set<PullKind>(['ssh', 'prometheus', 'redis']);

export function isPullKind(kind: string): kind is PullKind {
  return PULL_KINDS.has(kind);
}

/** Why a host is not collected by pull now, or undefined when it is. */
export function notPulled(host: CollectHost | undefined): string | undefined {
  if (!host) return 'the host no longer exists';
  if (!isPullKind(host.collector.kind))
    return `the host's collector is "${host.collector.kind}", not a pull collector`;
  if (!host.metricsEnabled) return 'metrics are disabled for the host';
  return undefined;
}
