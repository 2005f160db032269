// The command line, on commander: every command with its own typed options, help and examples.
// Unknown commands and options are errors with a suggestion; a command's module is loaded only
// when it runs, so `--help` answers without loading the libraries.
import { Command, InvalidArgumentError, Option, type OptionValues } from '@commander-js/extra-typings';
import type { CommandContext } from './commands/context.ts';

/** How a command ends: its exit code. The runner wraps it (signals, errors). */
export type Runner = <O extends object>(
  run: (ctx: CommandContext<O>) => Promise<number>,
  args: string[],
  options: O,
  command: { optsWithGlobals: () => Record<string, unknown> },
  /** true, or what a second signal (which ends the process at once) leaves behind, said then. */
  interruptible?: boolean | string,
) => Promise<void>;

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('a number of seconds (0 or more)');
  return n;
}

// A count given on the command line, whole and at least `min` (a fraction is rounded down).
const count =
  (min: number) =>
  (value: string): number => {
    const n = Math.floor(Number(value));
    if (!Number.isFinite(n) || n < min) throw new InvalidArgumentError(`a whole number of at least ${min}`);
    return n;
  };

const lockWait = ['--lock-wait <seconds>', 'how long to wait for another deploy holding a host lock (default 600)', seconds] as const;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The lab's application images built from source on request (tools/lab/src/app-images.ts). */
export const labApps = ['strapi', 'payloadcms'] as const;

function apps(value: string): string[] {
  const names = value.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !(labApps as readonly string[]).includes(n));
  if (unknown.length || !names.length) throw new InvalidArgumentError(`a comma-separated list of ${labApps.join(', ')}`);
  return names;
}

const appsOption = [
  '--apps <names>',
  `also build these applications from source as lab images and deploy them (${labApps.join(', ')}; minutes on first use, then cached)`,
  apps,
] as const;

// ansible-vault's password flags, on every command that may decrypt.
function withVault<A extends unknown[], O extends OptionValues, G extends OptionValues>(cmd: Command<A, O, G>) {
  return cmd
    .option('--vault-id <label@file>', 'a vault password: label@FILE, label@prompt or FILE (repeatable)', collect)
    .option('--vault-password-file <file>', 'a file holding the vault password, or an executable printing it (repeatable)', collect);
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

export function buildProgram(version: string, runner: Runner): Command {
  const program = new Command('homelab')
    .description('Homelab as code: validate, deploy with a health gate and rollback, and run your services over SSH.')
    .version(version, '-V, --version', 'print the version')
    .addOption(
      new Option('-i, --inventory <name>', 'the inventory: lab (the local lab, default) or production')
        .env('HOMELAB_INVENTORY')
        .default('lab'),
    )
    .addOption(new Option('-c, --configuration <name>', 'the inventory, as Nx passes it (-c lab)').hideHelp())
    .option('--allow-production', 'allow reaching production hosts (or HOMELAB_ALLOW_PRODUCTION=1)')
    .option('--debug', 'print stack traces of unexpected errors')
    .showSuggestionAfterError()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .addHelpText(
      'after',
      `${examples(['homelab up', 'homelab plan static-site', 'homelab deploy static-site', 'homelab deploy --affected --base main -i production', 'homelab help deploy'])}
Production hosts are reached only with HOMELAB_ALLOW_PRODUCTION=1 or --allow-production.`,
    );

  program
    .command('up')
    .description('the main job: bring up the lab, deploy every lab-runnable service, show status')
    .option(...appsOption)
    .addHelpText('after', examples(['npm start   (runs homelab up)', 'homelab up --apps strapi,payloadcms']))
    .action(async (options, cmd) => runner((await import('./commands/up.ts')).upCommand, [], options, cmd, true));

  for (const [name, summary, example] of [
    ['plan', 'what a deploy would change: the compose diff and which secrets changed (values masked)', 'homelab plan static-site'],
    ['deploy', 'health-gated deploy: stage, switch, health test, rollback on failure', 'homelab deploy static-site bind9'],
  ] as const)
    withVault(
      program
        .command(name)
        .description(summary)
        .argument('[services...]', 'services to act on (default: every service the inventory can run)')
        .option('--json', 'print the results as JSON')
        .option('--affected', 'only the services whose release changes between --base and --head (homelab affected)')
        .option('--base <rev>', 'with --affected: the base revision (default NX_BASE, else main)')
        .option('--head <rev>', 'with --affected: the head revision (default NX_HEAD, else HEAD)')
        .option(...lockWait),
    )
      .addHelpText('after', examples([example, `homelab ${name} --json -i production`]))
      .action(async (services, options, cmd) =>
        runner((await import('./commands/deploy.ts')).manyCommand(name), services, options, cmd, name === 'deploy'),
      );

  program
    .command('rollback')
    .description('bring back the newest healthy release older than the current one, or the one named with --to')
    .argument('[services...]', 'services to roll back (default: every service the inventory can run)')
    .option('--to <release>', 'a kept healthy release: its id, a prefix of it, or its version (homelab history lists them)')
    .option('--json', 'print the results as JSON')
    .option(...lockWait)
    .addHelpText('after', examples(['homelab rollback static-site', 'homelab rollback static-site --to 1.2.0']))
    .action(async (services, options, cmd) =>
      runner((await import('./commands/deploy.ts')).manyCommand('rollback'), services, options, cmd, true),
    );

  for (const [name, summary] of [
    ['restart', 'restart the containers of the current release, then gate on the health test'],
    ['stop', 'stop the containers of the current release (until start or the next deploy)'],
    ['start', 'start the stopped containers of the current release, then gate on the health test'],
  ] as const)
    program
      .command(name)
      .description(`${summary}; under the host lock, recorded in the history`)
      .argument('<services...>', 'services to act on')
      .option('--json', 'print the results as JSON')
      .option(...lockWait)
      .addHelpText('after', examples([`homelab ${name} sonarr`]))
      .action(async (services, options, cmd) =>
        runner((await import('./commands/deploy.ts')).manyCommand(name), services, options, cmd, true),
      );

  program
    .command('history')
    .description("every deploy, rollback, restart, stop and start of a service from its host's record: who, when, what, result")
    .argument('<service>')
    .option('--json', 'print the history as JSON')
    .option('--limit <n>', 'the newest n entries (default 30, all the host keeps)', count(1))
    .addHelpText('after', examples(['homelab history sonarr', 'homelab history sonarr --json']))
    .action(async (service, options, cmd) => runner((await import('./commands/inspect.ts')).historyCommand, [service], options, cmd));

  program
    .command('logs')
    .description("the log lines of a service's containers, each prefixed with its container")
    .argument('<service>')
    .option('-f, --follow', 'keep printing new lines (Ctrl-C ends)')
    .option('--since <when>', 'only lines since then: 10m, 2h, or a timestamp')
    .option('-n, --lines <n>', 'the last n lines of each container (default 100)', count(0))
    .addHelpText('after', examples(['homelab logs sonarr --since 10m', 'homelab logs plex -f']))
    .action(async (service, options, cmd) => runner((await import('./commands/inspect.ts')).logsCommand, [service], options, cmd));

  program
    .command('exec')
    .description('run a command in a container of the current release (a terminal when stdin is one)')
    .argument('<service>')
    .argument('<command...>', 'the command and its arguments, after --')
    .option('--container <name>', 'the compose service to run in (default: the exposed one, else the first)')
    .option('-t, --tty', 'attach a terminal even when stdin is not one')
    .option('-T, --no-tty', 'never attach a terminal')
    .addHelpText(
      'after',
      examples(['homelab exec sonarr -- sh', 'homelab exec nextcloud --container nextcloud-db -- mariadb -e "SHOW TABLES"']),
    )
    .action(async (service, command, options, cmd) =>
      runner((await import('./commands/inspect.ts')).execCommand, [service, ...command], options, cmd),
    );

  program
    .command('health')
    .description('run the health tests of services now')
    .argument('[services...]', 'services to test (default: every service the inventory can run)')
    .option('--wait', 'poll until healthy or the test deadline, instead of one pass')
    .option('--json', 'print the reports as JSON')
    .addHelpText('after', examples(['homelab health static-site --wait']))
    .action(async (services, options, cmd) => runner((await import('./commands/status.ts')).healthCommand, services, options, cmd));

  program
    .command('status')
    .description('what runs where: version, release, health, containers, deploy time')
    .argument('[hosts...]', 'hosts to read (default: every Docker host of the inventory)')
    .option('--json', 'print the rows as JSON')
    .addHelpText('after', examples(['homelab status', 'homelab status ocean --json']))
    .action(async (hosts, options, cmd) => runner((await import('./commands/status.ts')).statusCommand, hosts, options, cmd));

  program
    .command('facts')
    .description("each host's Docker, Compose, systemd, free disk and GPUs (nvidia-smi), against the inventory")
    .argument('[hosts...]', 'hosts to read (default: all)')
    .option('--json', 'print the facts as JSON')
    .action(async (hosts, options, cmd) => runner((await import('./commands/facts.ts')).factsCommand, hosts, options, cmd));

  program
    .command('prune')
    .description('remove release folders and images no retained release needs (under the host lock)')
    .argument('[hosts...]', 'hosts to prune (default: every Docker host)')
    .option('--dry-run', 'only list what would be removed')
    .option(
      '--keep <n>',
      'the newest n release folders kept per service, besides the current and the last healthy one (default 5)',
      count(1),
    )
    .option('--json', 'print what was (or would be) removed as JSON')
    .option(...lockWait)
    .addHelpText('after', examples(['homelab prune --dry-run', 'homelab prune ocean --keep 3']))
    .action(async (hosts, options, cmd) => runner((await import('./commands/prune.ts')).pruneCommand, hosts, options, cmd, true));

  const backup = program.command('backup').description("restic backups of the services' declared data (backups: in service.ts)");
  withVault(
    backup
      .command('run')
      .description('back up services now: dumps inside database containers, then restic to every target of their host')
      .argument('[services...]', 'services to back up (default: every runnable service that declares backups)')
      .option('--json', 'print the results as JSON'),
  )
    .addHelpText('after', examples(['homelab backup run', 'homelab backup run nextcloud -i production']))
    .action(async (services, options, cmd) =>
      runner((await import('./commands/backup.ts')).backupRunCommand, services, options, cmd, true),
    );
  withVault(
    backup
      .command('list')
      .description("a service's snapshots in every target of its host")
      .argument('<service>')
      .option('--json', 'print the snapshots as JSON'),
  )
    .addHelpText('after', examples(['homelab backup list prometheus']))
    .action(async (service, options, cmd) => runner((await import('./commands/backup.ts')).backupListCommand, [service], options, cmd));
  withVault(
    backup
      .command('check')
      .description('restic check of every backup target (the timers also run it weekly)')
      .argument('[hosts...]', 'hosts whose targets to check (default: all)')
      .option('--read-data <subset>', 'also read back this part of the data, e.g. 5% or 1/7'),
  )
    .addHelpText('after', examples(['homelab backup check', 'homelab backup check ocean --read-data 5%']))
    .action(async (hosts, options, cmd) => runner((await import('./commands/backup.ts')).backupCheckCommand, hosts, options, cmd));

  withVault(
    backup
      .command('schedule')
      .description("install each host's backup timers (its services' schedules, and restic check weekly) and the host's 0600 password file")
      .argument('[hosts...]', 'hosts to install on (default: every host with services that declare backups)'),
  )
    .addHelpText('after', examples(['homelab backup schedule', 'homelab backup schedule ocean -i production --allow-production']))
    .action(async (hosts, options, cmd) => runner((await import('./commands/backup.ts')).backupScheduleCommand, hosts, options, cmd));

  withVault(
    program
      .command('restore')
      .description(
        "put a snapshot of a service's data back with the service stopped, then start it and run its health test; under the host lock, recorded in the history",
      )
      .argument('<service>')
      .option('--snapshot <id>', 'a snapshot id or prefix (homelab backup list); default: the newest of the service')
      .option('--to <path>', 'restore into this folder on the host instead, leaving the service alone')
      .option('--from <target>', 'the backup target to restore from (default: the first of the host)')
      .option('--json', 'print the result as JSON')
      .option(...lockWait),
  )
    .addHelpText(
      'after',
      examples([
        'homelab restore prometheus',
        'homelab restore nextcloud --snapshot 1a2b3c4d',
        'homelab restore plex --to /tmp/plex-restore',
      ]),
    )
    .action(async (service, options, cmd) => runner((await import('./commands/backup.ts')).restoreCommand, [service], options, cmd, true));

  const dr = program.command('dr').description('disaster recovery: rebuild a host from nothing (docs/disaster-recovery.md)');
  dr.command('plan')
    .description('the ordered steps that rebuild a host: bootstrap, deploy and restore each service in dependency order, verify')
    .argument('<host>')
    .option('--json', 'print the steps as JSON')
    .action(async (host, options, cmd) => runner((await import('./commands/dr.ts')).drPlanCommand, [host], options, cmd));
  withVault(
    dr
      .command('restore')
      .description('run the plan: deploy and restore every service of the host, then its status')
      .argument('<host>')
      .option(...lockWait),
  )
    .addHelpText('after', examples(['homelab dr plan ocean', 'homelab dr restore ocean']))
    .action(async (host, options, cmd) => runner((await import('./commands/dr.ts')).drRestoreCommand, [host], options, cmd, true));

  const lock = program.command('lock').description('the per-host deploy lock');
  lock
    .command('status')
    .description('who holds each host lock, since when, and whether it is stale')
    .argument('[hosts...]', 'hosts to read (default: every Docker host)')
    .option('--json', 'print the locks as JSON')
    .action(async (hosts, options, cmd) => runner((await import('./commands/lock.ts')).lockCommand, ['status', ...hosts], options, cmd));
  lock
    .command('acquire')
    .description(
      'hold host locks by hand (maintenance): deploys refuse or wait, showing the message; all or none (a host that cannot be locked, or Ctrl-C, releases the others again)',
    )
    .argument('<hosts...>', 'hosts to lock')
    .requiredOption('-m, --message <text>', 'why, shown to anyone who meets the lock')
    .addHelpText(
      'after',
      examples([
        'homelab lock acquire ocean -m "replacing the ZFS disk, back at 18:00"',
        'homelab lock acquire ocean dns01 -m "UPS test"',
        'homelab lock release ocean',
      ]),
    )
    .action(async (hosts, options, cmd) =>
      runner(
        (await import('./commands/lock.ts')).lockCommand,
        ['acquire', ...hosts],
        options,
        cmd,
        'a lock this command took by hand stays until `homelab lock release <host>` (`homelab lock status` shows it)',
      ),
    );
  lock
    .command('release')
    .description('remove a host lock by force (after its holder died)')
    .argument('<hosts...>', 'hosts whose lock to remove')
    .action(async (hosts, options, cmd) => runner((await import('./commands/lock.ts')).lockCommand, ['release', ...hosts], options, cmd));

  withVault(
    program
      .command('affected')
      .description('the services whose release changes between two revisions, and why (offline, no host contacted)')
      .option('--base <rev>', 'the base revision (default NX_BASE, else main)')
      .option('--head <rev>', 'the head revision (default NX_HEAD, else HEAD)')
      .option('--output <file>', 'also write the result as JSON to this file (for HOMELAB_AFFECTED_FILE)')
      .option('--json', 'print the result as JSON'),
  )
    .addHelpText('after', examples(['homelab affected --base main -i production', 'homelab affected --output affected.json']))
    .action(async (options, cmd) => runner((await import('./commands/affected.ts')).affectedCommand, [], options, cmd));

  const edge = program.command('edge').description('Cloudflare Zero Trust Access for the public domains of the catalog');
  withVault(
    edge
      .command('plan')
      .description('what Access applications and policies would change in the Cloudflare account (reads only)')
      .option('--json', 'print the plan as JSON'),
  )
    .addHelpText('after', examples(['homelab edge plan -i production --allow-production']))
    .action(async (options, cmd) => runner((await import('./commands/edge.ts')).edgeCommand, ['plan'], options, cmd));
  withVault(edge.command('apply').description('make the Access changes of the plan (prints it first)'))
    .addHelpText('after', examples(['homelab edge apply -i production --allow-production']))
    .action(async (options, cmd) => runner((await import('./commands/edge.ts')).edgeCommand, ['apply'], options, cmd));

  program
    .command('summary')
    .description('the Markdown table of a `deploy --json` result (pull-request comments)')
    .argument('<file>', 'the JSON written by homelab deploy --json')
    .action(async (file, options, cmd) => runner((await import('./commands/summary.ts')).summaryCommand, [file], options, cmd));

  withVault(
    program
      .command('validate')
      .description('schema, rules, VRAM budget and `docker compose config` of services (no host contacted)')
      .argument('[services...]', 'services to validate (default: all)')
      .option('--json', 'print each service with its problems and warnings as JSON'),
  )
    .addHelpText('after', examples(['homelab validate', 'homelab validate comfyui -i production']))
    .action(async (services, options, cmd) => runner((await import('./commands/validate.ts')).validateCommand, services, options, cmd));

  program
    .command('render')
    .description('print every file of the rendered release (compose, .env, unit, files/ with the generated ones), secrets masked')
    .argument('<services...>', 'services to render')
    .action(async (services, options, cmd) => runner((await import('./commands/render.ts')).renderCommand, services, options, cmd));

  const lab = program.command('lab').description('the local lab: hosts in network namespaces, each with sshd and its own dockerd');
  for (const [action, summary] of [
    ['status', 'whether each lab host runs'],
    ['up', 'create the lab hosts (idempotent) and build the lab images'],
    ['down', 'stop the lab hosts and remove them'],
  ] as const) {
    const sub = lab.command(action).description(summary);
    if (action === 'status') sub.option('--json', 'print the rows as JSON');
    if (action === 'up') sub.option(...appsOption);
    sub.action(async (options, cmd) =>
      runner((await import('./commands/lab.ts')).labCommand, [action], options as { json?: boolean; apps?: string[] }, cmd),
    );
  }

  const vault = program
    .command('vault')
    .description("secrets in ansible-vault's format: per service, names in clear, values encrypted inline");
  const vaultCommand = (name: string, summary: string) =>
    withVault(vault.command(name).description(summary)).option(
      '--encrypt-vault-id <label>',
      'the vault id new values are encrypted with (default: the first password given)',
    );
  const act = (action: string) => async (args: string[], options: object, cmd: Parameters<Runner>[3]) =>
    runner((ctx) => import('./commands/vault.ts').then((m) => m.vaultActions[action]!(ctx, ctx.args)), args, options, cmd);
  vaultCommand('set', 'set one secret of a service; the value is read from stdin (never from the command line)')
    .argument('<service>')
    .argument('<key>', 'an environment variable name, e.g. DB_PASSWORD')
    .option('--allow-empty', 'store an empty value')
    .addHelpText('after', examples(['echo -n "$TOKEN" | homelab vault set plex PLEX_CLAIM']))
    .action((service, key, options, cmd) => act('set')([service, key], options, cmd));
  vaultCommand('view', 'print a vault file decrypted (whole-file or inline values)')
    .argument('<file>')
    .action((file, options, cmd) => act('view')([file], options, cmd));
  vaultCommand('edit', 'edit a vault file decrypted in memory, then re-encrypt what changed')
    .argument('<file>')
    .action((file, options, cmd) => act('edit')([file], options, cmd));
  vaultCommand('encrypt', 'encrypt a whole file')
    .argument('<file>')
    .option('--output <file>', 'write here instead of in place')
    .action((file, options, cmd) => act('encrypt')([file], options, cmd));
  vaultCommand('decrypt', 'decrypt a whole file')
    .argument('<file>')
    .option('--output <file>', 'write here (- for stdout) instead of in place')
    .action((file, options, cmd) => act('decrypt')([file], options, cmd));
  vaultCommand('rekey', 'encrypt a file again with a new password')
    .argument('<file>')
    .option('--new-vault-id <label@file>', 'the new password, as label@FILE')
    .option('--new-vault-password-file <file>', 'a file holding the new password')
    .action((file, options, cmd) => act('rekey')([file], options, cmd));
  vaultCommand('import', "split an Ansible vars file into the services' secrets files")
    .argument('<vars-file>')
    .requiredOption('--map <file>', 'YAML: service -> { NEW_NAME: old_var } or [old_var, ...]')
    .option('--allow-empty', 'import empty values too')
    .addHelpText('after', examples(['homelab vault import group_vars/all/vault.yml --map vault-map.yaml']))
    .action((file, options, cmd) => act('import')([file], options, cmd));

  return program;
}
