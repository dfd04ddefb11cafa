import { expect } from 'vitest';

interface HealthAnswer {
  readonly status: string;
  readonly checks: Record<string, ReadonlyArray<{ readonly status: string; readonly output?: string }>>;
}

/**
 * A healthy `/health` answer: every check passes, except that `redis:performance` may warn on its
 * latency alone. Client-side command latency includes the event loop's delay, and a machine busy with
 * other test files can push its p95 past the 100 ms warning; that warning is the check doing its job,
 * not a fault of the setup under test.
 */
export function expectHealthy(body: HealthAnswer): void {
  expect(['pass', 'warn'], JSON.stringify(body)).toContain(body.status);
  for (const [name, results] of Object.entries(body.checks)) {
    for (const r of results) {
      if (name === 'redis:performance' && r.status === 'warn') {
        expect(r.output, name).toMatch(/^command latency [\d.]+ ms/);
        expect(r.output, name).not.toMatch(/error rate [\d.]+ % \(/);
      } else expect(r.status, `${name}: ${r.output}`).toBe('pass');
    }
  }
}
