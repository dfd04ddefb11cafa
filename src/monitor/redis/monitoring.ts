import type { RedisPerformance } from './performance.ts';
import type { SelfMonitor } from './self-monitor.ts';

/** The Redis monitoring the HTTP app serves: the performance answer and this process' self-monitor. */
export interface RedisMonitoring {
  readonly performance: Pick<RedisPerformance, 'report'>;
  readonly selfMonitor: Pick<SelfMonitor, 'start' | 'stop' | 'status'>;
}
