import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { RedisClient } from '../../redis/index.ts';

/** A Lua script loaded from `<name>-<numKeys>.lua` beside this file. */
export interface Script {
  readonly name: string;
  readonly numberOfKeys: number;
  readonly lua: string;
}

export function loadScript(file: string): Script {
  const match = /^(.+)-(\d+)\.lua$/.exec(file);
  if (!match?.[1] || !match[2]) throw new Error(`script file ${file} is not named <name>-<numKeys>.lua`);
  return {
    name: match[1],
    numberOfKeys: Number(match[2]),
    lua: readFileSync(new URL(file, import.meta.url), 'utf8'),
  };
}

/**
 * Runs a script by SHA, loading it on NOSCRIPT (after a Redis restart or on another Cluster node).
 * `evalsha` is safe to replay: every script here is idempotent in effect.
 */
export async function runScript(
  client: RedisClient,
  script: Script,
  keys: readonly string[],
  args: readonly (string | Buffer | number)[],
): Promise<unknown> {
  const sha = shaOf(script);
  try {
    return await client.evalsha(sha, keys.length, ...keys, ...args);
  } catch (err: unknown) {
    if (err instanceof Error && err.message.startsWith('NOSCRIPT')) {
      return client.eval(script.lua, keys.length, ...keys, ...args);
    }
    throw err;
  }
}

const shas = new WeakMap<Script, string>();

function shaOf(script: Script): string {
  let sha = shas.get(script);
  if (!sha) {
    sha = createHash('sha1').update(script.lua).digest('hex');
    shas.set(script, sha);
  }
  return sha;
}
