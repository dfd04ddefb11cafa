import { type HostRegistrar, IngestRejectedError } from '../ingest/index.ts';
import type { RedisTenancy } from '../tenancy/index.ts';

/** What registration needs of tenancy. */
export type HostRegistry = Pick<RedisTenancy, 'checkHostHints' | 'getHost' | 'ensureHost'>;

/**
 * How hosts that send data get registered, shared by pushes and `vitals import`: hints are checked and,
 * with `VITALS_AUTO_REGISTER_HOSTS` off, an unknown host is refused before anything is written; once
 * the data landed, hosts nobody created yet are registered (listed at once by every process).
 */
export function hostRegistrar(tenancy: HostRegistry, autoRegister: boolean): HostRegistrar {
  return {
    admit: async (org, hosts) => {
      for (const host of hosts) tenancy.checkHostHints(host.id, { name: host.name, labels: host.labels });
      if (autoRegister) return;
      for (const host of hosts) {
        if (!(await tenancy.getHost(org, host.id))) {
          throw new IngestRejectedError(
            'bad_request',
            `unknown host ${host.id}: create it first (VITALS_AUTO_REGISTER_HOSTS is off)`,
          );
        }
      }
    },
    register: async (org, hosts) => {
      if (!autoRegister) return;
      for (const host of hosts)
        await tenancy.ensureHost(org, host.id, { name: host.name, labels: host.labels });
    },
  };
}
