import { Command } from 'commander';
import { runServer } from './server.ts';
import { version } from './version.ts';

/** The `vitals` command line. Every command has `--help`; settings come from the environment. */
export function buildCli(): Command {
  const program = new Command('vitals')
    .description('Vitals: self-hosted monitoring for servers and for Redis itself')
    .version(version)
    .showHelpAfterError();
  program
    .command('server')
    .description(
      'run the HTTP API, ingest, workers and dashboard (configured by environment variables; see README)',
    )
    .action(async () => {
      await runServer(process.env);
    });
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await buildCli().parseAsync([...argv]);
}
