import type { RedisFigures } from './health-figures.ts';
import type { Judged, RedisHealthThresholds } from './health-types.ts';

/** The state of RDB and AOF as INFO persistence tells it. */
function persistenceState(f: RedisFigures) {
  const lastSave = f.num('persistence', 'rdb_last_save_time');
  return {
    bgsave: f.text('persistence', 'rdb_last_bgsave_status'),
    aofOn: f.num('persistence', 'aof_enabled') === 1,
    rewrite: f.text('persistence', 'aof_last_bgrewrite_status'),
    write: f.text('persistence', 'aof_last_write_status'),
    // INFO does not show the `save` points (CONFIG would, but a least-privilege user may not run it):
    // RDB counts as on once Redis saved since it started.
    rdbOn:
      (f.num('persistence', 'rdb_saves') ?? 0) > 0 ||
      (f.num('persistence', 'rdb_last_bgsave_time_sec') ?? -1) >= 0,
    changes: f.num('persistence', 'rdb_changes_since_last_save'),
    ageSec: lastSave === undefined ? undefined : Math.max(0, Math.round(f.at / 1000 - lastSave)),
  };
}

function problemsOf(s: ReturnType<typeof persistenceState>): string[] {
  const problems: string[] = [];
  if (s.bgsave !== undefined && s.bgsave !== 'ok')
    problems.push(`the last RDB save failed (rdb_last_bgsave_status:${s.bgsave})`);
  if (s.aofOn && s.rewrite !== undefined && s.rewrite !== 'ok')
    problems.push(`the last AOF rewrite failed (aof_last_bgrewrite_status:${s.rewrite})`);
  if (s.aofOn && s.write !== undefined && s.write !== 'ok')
    problems.push(`writing the AOF fails (aof_last_write_status:${s.write})`);
  return problems;
}

/**
 * RDB and AOF health: a failed save, rewrite or AOF write is `fail` (data is not reaching the disk);
 * a last RDB save older than the threshold while changes wait is `warn`; neither RDB nor AOF on is
 * `pass` with a note (a restart loses every key).
 */
export function judgePersistence(f: RedisFigures, t: RedisHealthThresholds): Judged {
  const s = persistenceState(f);
  const warnSec = Math.round(t.saveAgeWarnMs / 1000);
  const base = {
    observedValue: s.ageSec,
    observedUnit: 's',
    thresholds: { warn: warnSec, fail: 'a save, rewrite or AOF write status other than ok' },
    rdbEnabled: s.rdbOn,
    aofEnabled: s.aofOn,
    rdbLastBgsaveStatus: s.bgsave,
    aofLastBgrewriteStatus: s.aofOn ? s.rewrite : undefined,
    aofLastWriteStatus: s.aofOn ? s.write : undefined,
    changesSinceLastSave: s.changes,
  };
  const problems = problemsOf(s);
  if (problems.length > 0) return { ...base, status: 'fail', output: problems.join('; ') };
  if (s.rdbOn && s.ageSec !== undefined && s.ageSec > warnSec && (s.changes ?? 1) > 0) {
    return {
      ...base,
      status: 'warn',
      output: `the last RDB save was ${s.ageSec} s ago (over ${warnSec} s) with ${s.changes ?? 'unknown'} changes since`,
    };
  }
  if (!s.rdbOn && !s.aofOn)
    return {
      ...base,
      status: 'pass',
      output: 'neither RDB nor AOF is on: a restart of Redis loses every key',
    };
  const on = [s.rdbOn && 'RDB', s.aofOn && 'AOF'].filter(Boolean).join(' and ');
  const age = s.rdbOn && s.ageSec !== undefined ? `; last save ${s.ageSec} s ago` : '';
  return { ...base, status: 'pass', output: `${on} on, last statuses ok${age}` };
}
