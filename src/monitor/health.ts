/**
 * Health checks in the shape of the IETF "Health Check Response Format for HTTP APIs" draft: each check
 * is named `component:measurement` and reports status pass|warn|fail with an observed value and unit.
 */
export type HealthStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  readonly componentType: string;
  readonly componentId?: string;
  readonly observedValue?: number | string | boolean;
  readonly observedUnit?: string;
  readonly status: HealthStatus;
  readonly time: string;
  readonly output?: string;
  /** Further figures of the check (the draft allows extra members). */
  readonly [extra: string]: unknown;
}

export type HealthCheck = () => Promise<CheckResult | CheckResult[]>;

export interface HealthReport {
  readonly status: HealthStatus;
  readonly version: string;
  readonly releaseId: string;
  readonly serviceId: string;
  readonly description: string;
  readonly checks: Record<string, CheckResult[]>;
}

const rank: Record<HealthStatus, number> = { pass: 0, warn: 1, fail: 2 };

export function worst(statuses: Iterable<HealthStatus>): HealthStatus {
  let out: HealthStatus = 'pass';
  for (const s of statuses) if (rank[s] > rank[out]) out = s;
  return out;
}

export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  constructor(
    private readonly service: { serviceId: string; releaseId: string },
    private readonly clock: () => Date = () => new Date(),
  ) {}

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  /** Runs every check concurrently; a check that throws is reported as `fail` with its message. */
  async report(): Promise<HealthReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]): Promise<[string, CheckResult[]]> => {
        try {
          const result = await check();
          return [name, Array.isArray(result) ? result : [result]];
        } catch (err: unknown) {
          const output = err instanceof Error ? err.message : String(err);
          return [
            name,
            [{ componentType: 'component', status: 'fail', time: this.clock().toISOString(), output }],
          ];
        }
      }),
    );
    const checks = Object.fromEntries(entries);
    return {
      status: worst(entries.flatMap(([, results]) => results.map((r) => r.status))),
      version: '1',
      releaseId: this.service.releaseId,
      serviceId: this.service.serviceId,
      description: 'Vitals monitoring server',
      checks,
    };
  }
}
