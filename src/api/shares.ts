import type { ShareLimits } from '../config/index.ts';
import { PublicError } from './errors.ts';

/** Who holds a share: the token (or the ticket it issued) and its org. */
export interface ShareHolder {
  readonly org: string;
  readonly tokenId: string;
}

/** How a kind of share is named in refusals: what is held, and the variable behind each limit. */
export interface ShareNames {
  /** Plural noun, e.g. `live streams`. */
  readonly what: string;
  readonly vars: { readonly [K in keyof ShareLimits]: string };
}

/**
 * Counts something held over time in this process (live streams, running exports) per token, per org
 * and in all, so one tenant cannot take every slot. Past a token's or an org's limit the caller gets
 * 429, past the process' own 503, both with `Retry-After` and naming the limit. The caller's own
 * limits are checked first: a client at its share hears about its share, not about the server.
 */
export class Shares {
  private total = 0;
  private readonly byOrg = new Map<string, number>();
  private readonly byToken = new Map<string, number>();

  constructor(
    private readonly limits: ShareLimits,
    private readonly names: ShareNames,
    /** Seconds a refused caller is told to wait. @defaultValue 5 */
    private readonly retryAfterSec = 5,
  ) {}

  /** Takes one share for `holder`, or throws 429 / 503; the returned function gives it back (once). */
  acquire(holder: ShareHolder): () => void {
    const token = `${holder.org}\u0000${holder.tokenId}`;
    this.check(this.byToken.get(token) ?? 0, 'perToken', 'rate_limited', 'for this token');
    this.check(this.byOrg.get(holder.org) ?? 0, 'perOrg', 'rate_limited', 'for this org');
    this.check(this.total, 'total', 'unavailable', 'on this server');
    this.total++;
    bump(this.byOrg, holder.org, 1);
    bump(this.byToken, token, 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.total--;
      bump(this.byOrg, holder.org, -1);
      bump(this.byToken, token, -1);
    };
  }

  /** Shares held now, in all or by one org. */
  held(org?: string): number {
    return org === undefined ? this.total : (this.byOrg.get(org) ?? 0);
  }

  private check(
    count: number,
    limit: keyof ShareLimits,
    code: 'rate_limited' | 'unavailable',
    scope: string,
  ) {
    const max = this.limits[limit];
    if (count < max) return;
    throw new PublicError(
      code,
      `too many ${this.names.what} ${scope}: at most ${max} at once (${this.names.vars[limit]})`,
      { retryAfterSec: this.retryAfterSec },
    );
  }
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
}
