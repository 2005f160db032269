// The `homelab` command: parses flags, runs one command, turns typed errors into clear exits.
import { parseArgs } from 'node:util';
import { HomelabError } from '@homelab/model';
import type { CommandContext } from './commands/context.ts';
import { commands, usage } from './commands/index.ts';

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: false,
    options: {
      inventory: { type: 'string', short: 'i' },
      configuration: { type: 'string', short: 'c' },
      json: { type: 'boolean' },
      'allow-production': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      wait: { type: 'boolean' },
      'vault-id': { type: 'string', multiple: true },
      'vault-password-file': { type: 'string', multiple: true },
      'new-vault-id': { type: 'string' },
      'new-vault-password-file': { type: 'string' },
      'encrypt-vault-id': { type: 'string' },
      output: { type: 'string' },
      map: { type: 'string' },
      affected: { type: 'boolean' },
      base: { type: 'string' },
      head: { type: 'string' },
      'lock-wait': { type: 'string' },
    },
  });
  const [name, ...args] = positionals;
  const command = name ? commands[name] : undefined;
  if (!command || values.help) {
    (command ? console.log : console.error)(usage());
    return command || values.help ? 0 : 2;
  }
  const ctx: CommandContext = {
    args,
    inventory: String(values.inventory ?? values.configuration ?? process.env.HOMELAB_INVENTORY ?? 'lab'),
    json: values.json === true,
    allowProduction: values['allow-production'] === true,
    flags: values as CommandContext['flags'],
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  };
  try {
    return await command.run(ctx);
  } catch (error) {
    if (error instanceof HomelabError) {
      console.error(`✖ ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
