// The command table: name -> summary and handler.
import type { CommandContext } from './context.ts';
import { renderCommand } from './render.ts';
import { validateCommand } from './validate.ts';
import { labCommand } from './lab.ts';

export interface Command {
  summary: string;
  run: (ctx: CommandContext) => Promise<number>;
}

export const commands: Record<string, Command> = {
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
