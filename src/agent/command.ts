import { Command } from 'commander';
import { Agent } from './agent.ts';
import { defaultCollectors } from './collectors/index.ts';
import { checkHealth, EXIT } from './health.ts';
import { jsonLogger } from './logger.ts';
import { Sampler } from './sampler.ts';
import { AGENT_SETTINGS, type AgentFlags, type AgentSettings, resolveSettings } from './settings.ts';

function withSettings(command: Command): Command {
  for (const spec of AGENT_SETTINGS)
    command.option(spec.flag, `${spec.description} [${spec.env}; default ${spec.default}]`);
  return command;
}

/** Settings or, after printing every problem, nothing (exit code 2). */
function settingsOrExit(flags: AgentFlags, needServer: boolean): AgentSettings | undefined {
  const resolved = resolveSettings(flags, process.env, needServer);
  if (resolved.ok) return resolved.settings;
  process.stderr.write(
    `vitals agent: invalid settings:\n${resolved.problems.map((p) => `  - ${p}\n`).join('')}`,
  );
  process.exitCode = EXIT.badSettings;
  return undefined;
}

/** `--once`: one collection, printed as the request body the agent would send. */
async function once(settings: AgentSettings): Promise<void> {
  const sampler = new Sampler(defaultCollectors(), jsonLogger(settings.logLevel, 2));
  await sampler.sample(0);
  // Rates and CPU shares need two readings: one second apart gives real values.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const snapshot = await sampler.sample(Date.now());
  const { hostId, name, labels } = settings;
  const host = { host: hostId, name, ...(Object.keys(labels).length > 0 ? { labels } : {}) };
  process.stdout.write(`${JSON.stringify({ hosts: [{ ...host, snapshots: [snapshot] }] }, null, 2)}\n`);
}

async function run(settings: AgentSettings): Promise<void> {
  const logger = jsonLogger(settings.logLevel);
  let agent: Agent;
  try {
    agent = new Agent(settings, logger);
  } catch (err: unknown) {
    process.stderr.write(`vitals agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = EXIT.failed;
    return;
  }
  const stop = () => void agent.stop();
  process.once('SIGTERM', stop).once('SIGINT', stop);
  await agent.start();
  const exit = await agent.done;
  process.off('SIGTERM', stop).off('SIGINT', stop);
  if (exit.reason === 'token-rejected') {
    process.stderr.write(
      `vitals agent: ${settings.server} refused the token (HTTP ${exit.status}: ${exit.message}); set --token or VITALS_AGENT_TOKEN to a token with the ingest scope\n`,
    );
    process.exitCode = EXIT.tokenRejected;
  }
}

async function health(settings: AgentSettings): Promise<void> {
  const { checks, exitCode } = await checkHealth(settings);
  process.stdout.write(
    `config  ok    server ${settings.server}, host ${settings.hostId}, every ${settings.intervalMs / 1000}s\n`,
  );
  for (const c of checks)
    process.stdout.write(`${c.name.padEnd(7)} ${c.ok ? 'ok  ' : 'FAIL'}  ${c.detail}\n`);
  process.exitCode = exitCode;
}

/**
 * `vitals agent [options]`, `vitals agent --once` and `vitals agent health`. Settings come from flags,
 * then `VITALS_AGENT_*` variables, then defaults. Exit codes: 0 fine, 1 failed, 2 invalid settings,
 * 3 the server refused the token.
 */
export function agentCommand(): Command {
  const agent = withSettings(new Command('agent'))
    .description(
      "collect this host's metrics and push them to a Vitals server (spooling to disk while it is away)",
    )
    .option('--once', 'collect once and print the request body as JSON; sends nothing')
    .action(async (flags: AgentFlags & { once?: boolean }) => {
      const settings = settingsOrExit(flags, !flags.once);
      if (settings) await (flags.once ? once(settings) : run(settings));
    });
  withSettings(agent.command('health'))
    .description(
      'check the settings, the spool, that the server answers and that it accepts the token; the exit code tells',
    )
    .action(async (flags: AgentFlags) => {
      const settings = settingsOrExit({ ...agent.opts<AgentFlags>(), ...flags }, true);
      if (settings) await health(settings);
    });
  return agent;
}
