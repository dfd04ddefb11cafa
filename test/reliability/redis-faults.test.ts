import { appendFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  budgetMs,
  CI_PROFILE,
  problems,
  runScenario,
  type ScenarioName,
  SOAK_PROFILE,
  summary,
} from './scenarios.ts';

// `npm run soak` sets these; CI runs the short profile.
const profile = process.env.VITALS_SOAK === '1' ? SOAK_PROFILE : CI_PROFILE;
const reportFile = process.env.VITALS_RELIABILITY_REPORT;

/**
 * Redis stopped, frozen and out of memory (noeviction) under load: writes are answered 2xx from the
 * spool or 503 with Retry-After, never 500; afterwards every acknowledged sample is in Redis once.
 */
describe('reliability: Redis faults', () => {
  const scenarios: ScenarioName[] = ['redis-stopped', 'redis-frozen', 'redis-oom'];
  for (const scenario of scenarios) {
    it(
      scenario,
      async () => {
        const { serverLog, ...report } = await runScenario(scenario, profile);
        console.info(summary({ serverLog, ...report }));
        if (reportFile) appendFileSync(reportFile, `${JSON.stringify({ kind: 'scenario', ...report })}\n`);
        const found = problems({ serverLog, ...report });
        if (found.length > 0) console.info(`--- server log ---\n${serverLog}`);
        expect(found).toEqual([]);
      },
      budgetMs(profile, scenario),
    );
  }
});
