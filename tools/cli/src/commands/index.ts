// The command table: name -> summary and handler.
import type { CommandContext } from './context.ts';
import { renderCommand } from './render.ts';
import { validateCommand } from './validate.ts';
import { labCommand } from './lab.ts';
import { manyCommand } from './deploy.ts';
import { healthCommand, statusCommand } from './status.ts';
import { lockCommand } from './lock.ts';
import { factsCommand } from './facts.ts';
import { upCommand } from './up.ts';
import { vaultCommand } from './vault.ts';
import { affectedCommand } from './affected.ts';
import { summaryCommand } from './summary.ts';

export interface Command {
  summary: string;
  run: (ctx: CommandContext) => Promise<number>;
  /**
   * Changes hosts: on SIGINT/SIGTERM it is told (ctx.signal) and stops at a safe point, releasing its host
   * locks. Other commands end at once.
   */
  interruptible?: boolean;
}

export const commands: Record<string, Command> = {
  up: {
    summary: 'up                           the main job: lab up, deploy the lab-runnable services, show status',
    run: upCommand,
    interruptible: true,
  },
  plan: { summary: 'plan [service...]            what a deploy would change (secrets masked)', run: manyCommand('plan') },
  deploy: {
    summary: 'deploy [service...]          health-gated deploy with automatic rollback',
    run: manyCommand('deploy'),
    interruptible: true,
  },
  rollback: {
    summary: 'rollback [service...]        bring back the previous healthy release',
    run: manyCommand('rollback'),
    interruptible: true,
  },
  health: { summary: 'health [service...]          run health tests now (--wait: poll to the deadline)', run: healthCommand },
  status: { summary: 'status [host...] [--json]    what runs where: version, health, deploy time', run: statusCommand },
  vault: {
    summary: 'vault encrypt|decrypt|view|edit|rekey FILE, set SERVICE KEY, import VARS --map M   (ansible-vault format)',
    run: vaultCommand,
  },
  facts: { summary: 'facts [host...] [--json]     Docker, Compose, systemd, disk and GPUs (nvidia-smi) of each host', run: factsCommand },
  lock: { summary: 'lock status|release [host]   show or clear the host lock', run: lockCommand },
  affected: {
    summary: 'affected [--base R] [--head R] [--output F]   services whose release changes between two revisions, and why (offline)',
    run: affectedCommand,
  },
  summary: {
    summary: 'summary FILE                 Markdown table of a deploy --json result (pull-request comments)',
    run: summaryCommand,
  },
  validate: { summary: 'validate [service...]        schema, rules, VRAM budget, docker compose config', run: validateCommand },
  lab: { summary: 'lab up|down|status           the local lab hosts (network namespaces with sshd and dockerd)', run: labCommand },
  render: { summary: 'render <service...>          print the rendered compose, .env (masked) and unit', run: renderCommand },
};

export function usage(): string {
  return [
    'usage: homelab <command> [args] [--inventory lab|production] [--json]',
    '',
    ...Object.values(commands).map((c) => `  ${c.summary}`),
    '',
    'The inventory defaults to "lab"; production hosts are reached only with HOMELAB_ALLOW_PRODUCTION=1 or --allow-production.',
  ].join('\n');
}
