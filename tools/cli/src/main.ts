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
  const stop = interruptible(command.interruptible === true);
  const ctx: CommandContext = {
    signal: stop.signal,
    args,
    inventory: String(values.inventory ?? values.configuration ?? process.env.HOMELAB_INVENTORY ?? 'lab'),
    json: values.json === true,
    allowProduction: values['allow-production'] === true,
    flags: values as CommandContext['flags'],
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  };
  try {
    const code = await command.run(ctx);
    return stop.code() ?? code;
  } catch (error) {
    if (error instanceof HomelabError) {
      console.error(`✖ ${error.message}`);
      return stop.code() ?? 1;
    }
    throw error;
  } finally {
    stop.dispose();
  }
}

const exitCodes = { SIGINT: 130, SIGTERM: 143 } as const;

// SIGINT/SIGTERM: a command that changes hosts is told through the signal and stops at its next safe
// point (its host locks released, its rows saying what happened), and the process exits 130/143; a
// second signal, or any signal to a command that only reads, ends the process at once.
function interruptible(graceful: boolean) {
  const controller = new AbortController();
  let received: keyof typeof exitCodes | undefined;
  const handler = (name: keyof typeof exitCodes) => () => {
    if (received || !graceful) {
      console.error(
        `\n${name}: stopping now${received ? '; a host lock this process held goes stale and is taken over by the next deploy' : ''}`,
      );
      process.exit(exitCodes[name]);
    }
    received = name;
    console.error(`\n${name}: stopping at the next safe point (the current step finishes, host locks are released); again to quit at once`);
    controller.abort(name);
  };
  const handlers = { SIGINT: handler('SIGINT'), SIGTERM: handler('SIGTERM') };
  for (const [name, fn] of Object.entries(handlers)) process.on(name, fn);
  return {
    signal: controller.signal,
    code: () => (received ? exitCodes[received] : undefined),
    dispose: () => {
      for (const [name, fn] of Object.entries(handlers)) process.off(name, fn);
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
