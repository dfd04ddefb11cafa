import { ID_PATTERN, type Sample } from '../contract/index.ts';
import { type HostRegistrar, IngestRejectedError } from '../ingest/index.ts';
import { DEFAULT_ORG, type RedisTenancy, TenancyError } from '../tenancy/index.ts';

/** Turns a host as a text names it (`web-1:9100`) into a host id (`web-1_9100`), as pushes do. */
export function hostIdFrom(text: string): string {
  return text
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 128);
}

/**
 * The host of a parsed sample: `--host` when given, else the host the text carries (CSV's `host`
 * column, the `host` tag or label of a Vitals export), else the `instance` label (which stays a label).
 */
export function hostOf(sample: Sample, fixed: string | undefined): string | undefined {
  if (fixed !== undefined) return fixed;
  if (sample.host !== undefined) return hostIdFrom(sample.host);
  const instance = sample.labels.instance;
  return instance ? hostIdFrom(instance) : undefined;
}

/** Refuses an import into an org that cannot hold hosts: an invalid id, or an org that does not exist. */
export async function checkImportOrg(tenancy: Pick<RedisTenancy, 'getOrg'>, org: string): Promise<void> {
  if (!ID_PATTERN.test(org))
    throw new Error(`org id "${org}" is not valid: it must match ${ID_PATTERN.source}`);
  // The default org exists once a server has started; data imported before that is listed from then on.
  if (org !== DEFAULT_ORG && !(await tenancy.getOrg(org))) throw new Error(`org "${org}" does not exist`);
}

/**
 * The hosts of one import, admitted and registered as a push's are (`hostRegistrar`): each host is
 * admitted once, when first seen, and a refused one (unknown while VITALS_AUTO_REGISTER_HOSTS is off)
 * makes its lines bad lines; once the data landed, the hosts written are registered.
 */
export class ImportHosts {
  /** Host → why it is refused, or undefined when admitted. */
  private readonly admitted = new Map<string, string | undefined>();

  constructor(
    private readonly registrar: HostRegistrar,
    private readonly org: string,
  ) {}

  /** Why samples of `host` cannot be imported, or undefined. Redis failures are thrown (the import stops). */
  async problemOf(host: string): Promise<string | undefined> {
    if (this.admitted.has(host)) return this.admitted.get(host);
    let problem: string | undefined;
    try {
      await this.registrar.admit(this.org, [{ id: host }]);
    } catch (err: unknown) {
      const refused =
        err instanceof IngestRejectedError || (err instanceof TenancyError && err.reason === 'invalid');
      if (!refused) throw err;
      problem = err.message;
    }
    this.admitted.set(host, problem);
    return problem;
  }

  /** Registers the hosts written, after their data landed. */
  register(hosts: readonly string[]): Promise<void> {
    return this.registrar.register(
      this.org,
      hosts.map((id) => ({ id })),
    );
  }
}
