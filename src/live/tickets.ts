import { createHash, randomBytes } from 'node:crypto';
import type { Scope } from '../contract/index.ts';
import { isUnavailable, type RedisClient } from '../redis/index.ts';

/** Who a ticket speaks for: the token it was issued to. */
export interface TicketHolder {
  readonly org: string;
  readonly tokenId: string;
  readonly scopes: readonly Scope[];
}

export interface TicketOptions {
  /** A `request`-role connection. */
  readonly redis: RedisClient;
  readonly prefix: string;
  /** How long a ticket can be redeemed. @defaultValue 60000 */
  readonly ttlMs?: number;
  readonly now?: () => number;
}

export const TICKET_PREFIX = 'vlt_';
const MAX_MEMORY_TICKETS = 10_000;

/**
 * One-time tickets for EventSource, which cannot send an Authorization header: a client with a bearer
 * token asks for a ticket and opens `/api/v1/live?ticket=…`. A ticket is 256 random bits, redeemable
 * once (GETDEL) within `ttlMs`, and stored only as its SHA-256, in Redis so any process can redeem it.
 * While Redis is away tickets live in this process' memory (redeemable here only).
 */
export class LiveTickets {
  private readonly memory = new Map<string, { holder: TicketHolder; expires: number }>();

  constructor(private readonly options: TicketOptions) {}

  get ttlMs(): number {
    return this.options.ttlMs ?? 60_000;
  }

  async issue(holder: TicketHolder): Promise<{ ticket: string; expiresAt: number }> {
    const ticket = TICKET_PREFIX + randomBytes(32).toString('base64url');
    const expiresAt = this.now() + this.ttlMs;
    const value = JSON.stringify({ org: holder.org, tokenId: holder.tokenId, scopes: holder.scopes });
    try {
      await this.options.redis.set(this.key(ticket), value, 'PX', this.ttlMs);
    } catch (err: unknown) {
      if (!isUnavailable(err)) throw err;
      this.sweep();
      this.memory.set(hash(ticket), { holder, expires: expiresAt });
    }
    return { ticket, expiresAt };
  }

  /** The ticket's holder, once; undefined for an unknown, spent or expired ticket. */
  async redeem(ticket: string): Promise<TicketHolder | undefined> {
    if (!ticket.startsWith(TICKET_PREFIX) || ticket.length > 100) return undefined;
    const local = this.memory.get(hash(ticket));
    if (local) {
      this.memory.delete(hash(ticket));
      return local.expires > this.now() ? local.holder : undefined;
    }
    const stored = await this.options.redis.getdel(this.key(ticket));
    return stored === null ? undefined : parseHolder(stored);
  }

  private key(ticket: string): string {
    return `${this.options.prefix}live:ticket:${hash(ticket)}`;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.memory) if (entry.expires <= now) this.memory.delete(key);
    // Bounded: past the cap the oldest tickets go first (Map keeps insertion order).
    for (const key of this.memory.keys()) {
      if (this.memory.size < MAX_MEMORY_TICKETS) break;
      this.memory.delete(key);
    }
  }
}

function hash(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex');
}

function parseHolder(text: string): TicketHolder | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { org, tokenId, scopes } = value as Record<string, unknown>;
    if (typeof org !== 'string' || typeof tokenId !== 'string' || !Array.isArray(scopes)) return undefined;
    const valid = scopes.filter((s): s is Scope => s === 'ingest' || s === 'read' || s === 'admin');
    return { org, tokenId, scopes: valid };
  } catch {
    return undefined;
  }
}
