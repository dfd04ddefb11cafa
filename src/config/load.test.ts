import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, configTable, loadConfig } from './index.ts';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (err: unknown) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives documented defaults when the environment is empty', () => {
    const config = loadConfig({});
    expect(config.redis).toMatchObject({
      mode: 'standalone',
      explicit: false,
      host: '127.0.0.1',
      port: 6379,
    });
    expect(config.redis).toMatchObject({
      connectTimeoutMs: 5000,
      maxRetriesPerRequest: 3,
      keyPrefix: 'vitals:',
    });
    expect(config.server).toMatchObject({ port: 3000, dataDir: './data', shutdownTimeoutMs: 30000 });
    expect(config.redis.managed).toBe('auto');
    // The writer flushes at the end of the event-loop turn a write came in (docs/storage.md).
    expect(config.storage.flushIntervalMs).toBe(0);
  });

  it('reads VITALS_WORKERS as a count or auto, and reads newest values from Redis with workers', () => {
    expect(loadConfig({}).server.workers).toBe(1);
    expect(loadConfig({}).storage.hotReads).toBe('latest');
    expect(loadConfig({ VITALS_WORKERS: 'auto' }).server.workers).toBe(availableParallelism());
    const two = loadConfig({ VITALS_WORKERS: '2' });
    expect(two.server.workers).toBe(2);
    expect(two.storage.hotReads).toBe('none');
    expect(loadConfig({ VITALS_WORKERS: '2', VITALS_HOT_READS: 'latest' }).storage.hotReads).toBe('latest');
    for (const bad of ['0', '1.5', 'many', '257'])
      expect(problemsOf({ VITALS_WORKERS: bad })).toEqual([
        `VITALS_WORKERS=${JSON.stringify(bad)}: expected a whole number from 1 to 256, or auto`,
      ]);
    expect(problemsOf({ VITALS_WORKERS: '2', VITALS_HOT_READS: 'all' })).toEqual([
      `VITALS_HOT_READS="all": each worker's hot tier misses the others' writes; use latest or none with VITALS_WORKERS=2`,
    ]);
  });

  it('reads host, port, credentials, db and tls from REDIS_URL', () => {
    const config = loadConfig({ REDIS_URL: 'rediss://user:p%40ss@redis.example:6390/4' });
    expect(config.redis).toMatchObject({
      host: 'redis.example',
      port: 6390,
      username: 'user',
      password: 'p@ss',
      db: 4,
    });
    expect(config.redis.tls).toBe(true);
    expect(config.redis.explicit).toBe(true);
  });

  it('lets REDIS_HOST and REDIS_PORT override REDIS_URL', () => {
    const config = loadConfig({ REDIS_URL: 'redis://a:1000', REDIS_HOST: 'b', REDIS_PORT: '2000' });
    expect(config.redis).toMatchObject({ host: 'b', port: 2000 });
  });

  it('selects sentinel and cluster modes from their variables', () => {
    const sentinel = loadConfig({ REDIS_SENTINELS: 'h1:26379, h2:26380', REDIS_SENTINEL_NAME: 'prod' });
    expect(sentinel.redis.mode).toBe('sentinel');
    expect(sentinel.redis.sentinels).toEqual([
      { host: 'h1', port: 26379 },
      { host: 'h2', port: 26380 },
    ]);
    expect(loadConfig({ REDIS_CLUSTER_NODES: 'c1:7000' }).redis.mode).toBe('cluster');
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.redis)).toBe(true);
  });

  it('names the variable when REDIS_PORT is not a number', () => {
    const problems = problemsOf({ REDIS_PORT: 'abc' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('REDIS_PORT');
  });

  it('lists every problem at once when several variables are bad', () => {
    const problems = problemsOf({
      PORT: '70000',
      REDIS_URL: 'http://x',
      LOG_LEVEL: 'loud',
      REDIS_TLS: 'maybe',
      REDIS_SENTINELS: 'nohostport',
      VITALS_KEY_PREFIX: 'a{b}',
    });
    for (const name of [
      'PORT',
      'REDIS_URL',
      'LOG_LEVEL',
      'REDIS_TLS',
      'REDIS_SENTINELS',
      'VITALS_KEY_PREFIX',
    ]) {
      expect(problems.some((p) => p.startsWith(`${name}=`))).toBe(true);
    }
  });

  it('says how to make a token when VITALS_ADMIN_TOKEN is malformed, and both recipes make valid ones', () => {
    const problems = problemsOf({ VITALS_ADMIN_TOKEN: 'vt_short' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('VITALS_ADMIN_TOKEN');
    expect(problems[0]).toContain('base64url');
    expect(problems[0]).not.toContain('vt_short');
    const node = /node -e "([^"]+)"/.exec(problems[0] ?? '')?.[1];
    const openssl = /echo (vt_\$\(openssl .+\))$/.exec(problems[0] ?? '')?.[1];
    expect(node).toBeDefined();
    expect(openssl).toBeDefined();
    const made = [
      execFileSync(process.execPath, ['-e', node ?? ''], { encoding: 'utf8' }).trim(),
      execFileSync('sh', ['-c', `echo ${openssl}`], { encoding: 'utf8' }).trim(),
    ];
    for (const token of made) {
      expect(token).toMatch(/^vt_[A-Za-z0-9_-]{43}$/);
      expect(loadConfig({ VITALS_ADMIN_TOKEN: token }).api.adminToken).toBe(token);
    }
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ REDIS_PORT: '' }).redis.port).toBe(6379);
  });
});

describe('configuration docs', () => {
  it('keeps the README table identical to the one generated from the schema', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(configTable());
  });
});
