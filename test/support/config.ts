import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/config/index.ts';

/** A validated Config for a test: a private Redis, a unique key prefix, port 0, a temp data dir, no logs. */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    // Tests choose their hosts; the built-in agent is switched on by the tests about it.
    VITALS_LOCAL_AGENT: 'false',
    // Likewise the own-Redis series (host `vitals-redis`): on only in the tests about it.
    VITALS_SELF_MONITOR: 'false',
    // And alert evaluation: on only in the tests about it (its rounds would read every host's data).
    VITALS_ALERTS: 'false',
    VITALS_DATA_DIR: mkdtempSync(join(tmpdir(), 'vitals-test-')),
    ...env,
  });
}
