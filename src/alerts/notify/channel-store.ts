import type { Keys, RedisClient } from '../../redis/index.ts';
import { newChannel, patchChannel } from './channel-input.ts';
import type { Channel, ChannelCreate, ChannelPatch } from './channel-schema.ts';
import { SECRET_FIELDS } from './channel-schema.ts';
import { ChannelError } from './errors.ts';

/** What seals secrets at rest (tenancy's `SecretSeal`: AES-256-GCM, bound to a context). */
export interface Sealer {
  seal(plain: string, context: string): string;
  /** The plaintext, or undefined when no key opens it. */
  open(sealed: string, context: string): string | undefined;
}

const MAX_CHANNELS = 100;

/**
 * An org's channels: HASH `<alerts(org)>channels`, id → channel JSON with every secret field sealed
 * (bound to org, channel and field, so a value copied elsewhere does not open). Reads open them; a
 * value no key opens stays sealed and the delivery fails saying so.
 */
export class ChannelStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly sealer: Sealer,
    private readonly now: () => number = Date.now,
  ) {}

  private key(org: string): string {
    return `${this.keys.alerts(org)}channels`;
  }

  private context(org: string, id: string, field: string): string {
    return `alerts/${org}/channels/${id}/settings.${field}`;
  }

  private seal(org: string, channel: Channel): string {
    const settings = { ...channel.settings };
    for (const field of SECRET_FIELDS[channel.kind]) {
      const value = settings[field];
      if (typeof value === 'string')
        settings[field] = this.sealer.seal(value, this.context(org, channel.id, field));
    }
    return JSON.stringify({ ...channel, settings });
  }

  private open(org: string, json: string): Channel {
    const channel = JSON.parse(json) as Channel;
    const settings = { ...channel.settings };
    for (const field of SECRET_FIELDS[channel.kind]) {
      const value = settings[field];
      if (typeof value !== 'string') continue;
      settings[field] = this.sealer.open(value, this.context(org, channel.id, field)) ?? value;
    }
    return { ...channel, settings };
  }

  private async run<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err: unknown) {
      if (err instanceof ChannelError) throw err;
      throw new ChannelError('unavailable', `${what}: the store is unreachable`, { cause: err });
    }
  }

  list(org: string): Promise<Channel[]> {
    return this.run('channels not read', async () => {
      const all = await this.redis.hvals(this.key(org));
      return all.map((json) => this.open(org, json)).sort((a, b) => a.createdAt - b.createdAt);
    });
  }

  get(org: string, id: string): Promise<Channel | undefined> {
    return this.run('channel not read', async () => {
      const json = await this.redis.hget(this.key(org), id);
      return json === null ? undefined : this.open(org, json);
    });
  }

  async require(org: string, id: string): Promise<Channel> {
    const channel = await this.get(org, id);
    if (!channel) throw new ChannelError('not_found', `channel "${id}" not found`);
    return channel;
  }

  async create(org: string, input: ChannelCreate): Promise<Channel> {
    const channel = newChannel(input, this.now());
    return this.run('channel not stored', async () => {
      if ((await this.redis.hlen(this.key(org))) >= MAX_CHANNELS)
        throw new ChannelError('invalid', `an org has at most ${MAX_CHANNELS} channels`);
      const added = await this.redis.hsetnx(this.key(org), channel.id, this.seal(org, channel));
      if (added === 0) throw new ChannelError('conflict', `channel "${channel.id}" already exists`);
      return channel;
    });
  }

  async update(org: string, id: string, patch: ChannelPatch): Promise<Channel> {
    const stored = await this.require(org, id);
    const channel = patchChannel(stored, patch, this.now());
    return this.run('channel not stored', async () => {
      await this.redis.hset(this.key(org), id, this.seal(org, channel));
      return channel;
    });
  }

  async delete(org: string, id: string): Promise<void> {
    const removed = await this.run('channel not deleted', () => this.redis.hdel(this.key(org), id));
    if (removed === 0) throw new ChannelError('not_found', `channel "${id}" not found`);
  }
}
