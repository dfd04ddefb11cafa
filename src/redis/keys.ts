/**
 * The only place Redis keys are formed. Every key starts with the configured prefix; all keys of one
 * host share the hash tag `{org:host}` so a host lives in one Cluster slot and its multi-key writes stay
 * atomic. Org and host ids are validated elsewhere to exclude `{`, `}` and `:`.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  /** Hash-tagged base of every per-host key. */
  host(org: string, host: string): string {
    return `${this.prefix}{${org}:${host}}:`;
  }

  /** A key per server process used by the read/write health check (expires on its own). */
  healthProbe(processId: string): string {
    return `${this.prefix}health:${processId}`;
  }

  /** Prefix BullMQ queues are created under; its own keys carry a `{queue}` hash tag. */
  bullPrefix(): string {
    return `${this.prefix}bull`;
  }
}
