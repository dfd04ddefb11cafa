import { randomBytes } from 'node:crypto';

/**
 * Job and scheduler ids carry their org and host, so the per-org views (counts, failed jobs, clean)
 * can filter ids without loading every job. Org and host ids match `ID_PATTERN` and never hold `/`.
 *
 * - scheduler: `<org>/<host>`; BullMQ names its jobs `repeat:<org>/<host>:<millis>`
 * - collect now: `now/<org>/<host>/<time+random>`
 */
export interface JobOwner {
  readonly org: string;
  readonly host: string;
}

export function schedulerId(org: string, host: string): string {
  return `${org}/${host}`;
}

export function manualJobId(org: string, host: string, now: number): string {
  return `now/${org}/${host}/${now.toString(36)}${randomBytes(3).toString('hex')}`;
}

/** Org and host of a scheduler id, or undefined for an id this module did not make. */
export function schedulerOwner(id: string): JobOwner | undefined {
  const [org, host, ...rest] = id.split('/');
  return org && host && rest.length === 0 ? { org, host } : undefined;
}

export function jobOwner(jobId: string): JobOwner | undefined {
  if (jobId.startsWith('repeat:')) {
    const rest = jobId.slice('repeat:'.length);
    const colon = rest.lastIndexOf(':');
    return schedulerOwner(colon < 0 ? rest : rest.slice(0, colon));
  }
  const [kind, org, host] = jobId.split('/');
  return kind === 'now' && org && host ? { org, host } : undefined;
}

export function ownedBy(org: string): (jobId: string) => boolean {
  return (jobId) => jobOwner(jobId)?.org === org;
}
