import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Thrown when another live agent process holds the spool directory. */
export class SpoolLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(`the spool ${dir} is in use by another agent (pid ${pid}); give each agent its own --spool-dir`);
    this.name = 'SpoolLockedError';
  }
}

function self(): string {
  return `${process.pid} ${startTime('self')}`.trim();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    // EPERM: the process exists but belongs to someone else.
    return err instanceof Error && 'code' in err && err.code === 'EPERM';
  }
}

/** When a process started (clock ticks since boot, /proc/<pid>/stat field 22): tells a reused pid apart. */
function startTime(pid: number | 'self'): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/** One agent per spool directory: two writers would interleave segments and double-send batches. */
export class SpoolLock {
  private constructor(private readonly path: string) {}

  static acquire(dir: string): SpoolLock {
    const path = join(dir, 'agent.pid');
    try {
      writeFileSync(path, self(), { flag: 'wx' });
    } catch (err: unknown) {
      if (!(err instanceof Error && 'code' in err && err.code === 'EEXIST')) throw err;
      const [pidText = '', started = ''] = readFileSync(path, 'utf8').trim().split(' ');
      const holder = Number(pidText);
      // A lock left by a process that died (kill -9, power loss) is taken over, also when its pid has
      // since been given to an unrelated process.
      const held = Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder);
      if (held && (started === '' || startTime(holder) === started)) throw new SpoolLockedError(dir, holder);
      writeFileSync(path, self());
    }
    return new SpoolLock(path);
  }

  release(): void {
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
  }
}
