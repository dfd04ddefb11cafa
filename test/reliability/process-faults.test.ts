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
 * The server process dies with SIGKILL under load (and while Redis is down): with ack=durable nothing
 * acknowledged is lost; with ack=buffered only what was acknowledged within the documented bound
 * before the kill. Nothing is duplicated or invented.
 */
describe('reliability: kill -9 of the server', () => {
  const scenarios: ScenarioName[] = ['kill9', 'kill9-redis-down'];
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
