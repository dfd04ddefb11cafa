import { createInterface } from 'node:readline/promises';
import { createLogger } from '../config/index.ts';
import { ID_PATTERN, idFromName } from '../contract/index.ts';
import { OrgAdmin } from '../orgs/index.ts';
import { closeRedis, Keys } from '../redis/index.ts';
import { RedisTenancy } from '../tenancy/index.ts';
import { configOrExit } from './server.ts';
import { openRedis } from './storage.ts';

/**
 * `vitals org …`: org management straight on Redis, as the other one-shot commands work (whoever can
 * reach Vitals' Redis is its operator already). Running servers hear of revoked tokens and deleted
 * hosts on the tenancy channel at once.
 */
async function withOrgs(command: string, fn: (orgs: OrgAdmin) => Promise<number>): Promise<void> {
  const config = configOrExit(process.env);
  if (!config) return;
  const level = config.server.logLevel === 'info' ? 'warn' : config.server.logLevel;
  const logger = createLogger({ logLevel: level }, 'stderr');
  let cleanup = async () => {};
  try {
    const redis = await openRedis(config, logger, `org-${command}`);
    const keys = new Keys(config.redis.keyPrefix);
    const tenancy = new RedisTenancy({ redis, keys, logger });
    // No second sweep: the command ends now (the server's own deletions do sweep again).
    const orgs = new OrgAdmin(
      { tenancy, redis, keys, cachePrefix: config.api.cachePrefix, logger },
      { settleMs: 0 },
    );
    cleanup = async () => {
      await orgs.close();
      await tenancy.close();
      await closeRedis(redis);
    };
    process.exitCode = await fn(orgs);
  } catch (err: unknown) {
    process.stderr.write(`vitals org ${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

export function runOrgCreate(name: string, opts: { id?: string }): Promise<void> {
  return withOrgs('create', async (orgs) => {
    const id = opts.id ?? idFromName(name);
    if (!ID_PATTERN.test(id)) {
      process.stderr.write(
        `vitals org create: cannot make an id of "${name}": pass --id (letters, digits, ".", "_" or "-")\n`,
      );
      return 2;
    }
    const { org, token } = await orgs.create({ id, name });
    process.stdout.write(
      `created org ${org.id} (${org.name})\n\nIts admin token (shown once; store it now):\n  ${token.token}\n`,
    );
    return 0;
  });
}

export function runOrgList(): Promise<void> {
  return withOrgs('list', async (orgs) => {
    const { orgs: list, deleting } = await orgs.list();
    const rows = [
      ['ID', 'NAME', 'HOSTS', 'CREATED'],
      ...list.map((o) => [o.id, o.name, String(o.hosts), new Date(o.createdAt).toISOString()]),
    ];
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    for (const row of rows)
      process.stdout.write(
        `${row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join('  ')
          .trimEnd()}\n`,
      );
    for (const o of deleting)
      process.stderr.write(`org ${o.id}: deletion did not finish; run vitals org delete ${o.id} again\n`);
    return 0;
  });
}

export function runOrgDelete(id: string, opts: { yes?: boolean }): Promise<void> {
  return withOrgs('delete', async (orgs) => {
    if (!opts.yes && !(await confirmed(id))) {
      process.stderr.write(`vitals org delete: not confirmed; nothing deleted (pass --yes to skip asking)\n`);
      return 1;
    }
    const done = await orgs.delete(id);
    process.stdout.write(
      `deleted org ${id}: ${done.tokens} token(s), ${done.hosts} host(s), ${done.keys} Redis key(s), ${done.jobs} queued job(s)\n`,
    );
    return 0;
  });
}

/** Asks on a terminal for the id to be typed again; without a terminal there is no one to ask. */
async function confirmed(id: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(
      `Delete org ${id} with its tokens, hosts and all its data? This cannot be undone. Type its id: `,
    );
    return answer.trim() === id;
  } finally {
    rl.close();
  }
}
