import { Command, Option } from 'commander';
import { SAMPLE_FORMATS } from '../contract/formats/index.ts';
import { agentCommand } from './agent-command.ts';
import { parseFormat } from './formats.ts';
import { version } from './version.ts';

// Commands load their modules on use, so `vitals agent` does not load the server (memory matters there).
const jobs = () => import('./jobs.ts');
const orgs = () => import('./orgs.ts');

const formatOption = () =>
  new Option('-f, --format <format>', `sample format: ${SAMPLE_FORMATS.join(', ')}`)
    .argParser(parseFormat)
    .makeOptionMandatory();

/** The `vitals` command line. Every command has `--help`; connection settings come from the environment. */
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
      const { runServer } = await import('./server.ts');
      await runServer(process.env);
    });
  program
    .command('import')
    .description('import samples from a file, then seal the closed windows it wrote')
    .argument('<file>', 'file to read')
    .addOption(formatOption())
    .option('--org <org>', 'org to import into (default: "default")')
    .option('--host <host>', 'host of every sample (default: its host column, tag or label, else instance)')
    .option('--strict', 'abort with nothing written if any line is bad')
    .option('--no-progress', 'no progress bar')
    .action(async (file, opts) => (await jobs()).runImport(file, opts));
  program
    .command('export')
    .description('stream stored samples as text')
    .addOption(formatOption())
    .option('--org <org>', 'org to export (default: "default")')
    .option('--host <host...>', 'hosts to export (default: every host of the org)')
    .option('--from <time>', 'start: ms since epoch, ISO date or now-7d (default: raw retention ago)')
    .option('--to <time>', 'end (default: now)')
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .action(async (opts) => (await jobs()).runExport(opts));
  const maintenance = program.command('maintenance').description('sealing, rollups and retention');
  maintenance
    .command('run')
    .description('seal closed windows, roll up and enforce retention now')
    .action(async () => (await jobs()).runMaintenanceNow());
  maintenance
    .command('status')
    .description('show what the last maintenance run did')
    .action(async () => (await jobs()).showMaintenance());
  const org = program
    .command('org')
    .description('orgs: create (with a first admin token), list, delete (straight on Redis, as `import`)');
  org
    .command('create')
    .description('create an org and print its first admin token (once)')
    .argument('<name>', 'display name')
    .option('--id <id>', 'org id (default: made from the name, e.g. "Acme Corp" → acme-corp)')
    .action(async (name, opts) => (await orgs()).runOrgCreate(name, opts));
  org
    .command('list')
    .description('list orgs with their number of hosts')
    .action(async () => (await orgs()).runOrgList());
  org
    .command('delete')
    .description('delete an org: its tokens, hosts and all its stored data')
    .argument('<id>', 'org id')
    .option('--yes', 'do not ask for confirmation (needed without a terminal)')
    .action(async (id, opts) => (await orgs()).runOrgDelete(id, opts));
  program.addCommand(agentCommand());
  return program;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  await buildCli().parseAsync([...argv]);
}
