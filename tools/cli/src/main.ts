// The `homelab` command: parses the command line (program.ts), runs one command, turns its outcome into
// an exit code: 0 done, 1 failed (a typed error with its fix), 2 a usage error, 130/143 stopped by a signal.
import { readFileSync } from 'node:fs';
import { CommanderError } from '@commander-js/extra-typings';
import type { CommandContext } from './commands/context.ts';
import { buildProgram, type Runner } from './program.ts';

export const requiredNodeMajor = 22;

// Pure: the message for a Node.js too old to run the libraries (they fail in odd ways under Node 20).
export function nodeTooOld(version: string): string | undefined {
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  if (major >= requiredNodeMajor) return undefined;
  return `homelab needs Node.js ${requiredNodeMajor} or newer; this is ${version}.\n  fix: run \`npm install\` in the repository (it puts Node ${requiredNodeMajor} in node_modules/.bin) and call it as \`npx homelab\`, or install Node ${requiredNodeMajor} LTS`;
}

const exitCodes = { SIGINT: 130, SIGTERM: 143 } as const;

// SIGINT/SIGTERM: a command that changes hosts is told through the signal and stops at its next safe
// point (its host locks released, its rows saying what happened), and the process exits 130/143; a
// second signal, or any signal to a command that only reads, ends the process at once (`graceful` as a
// string: what that leaves behind, where it is not the usual stale deploy lock).
function signals(graceful: boolean | string) {
  const controller = new AbortController();
  let received: keyof typeof exitCodes | undefined;
  const left = typeof graceful === 'string' ? graceful : 'a host lock this process held goes stale and is taken over by the next deploy';
  const handler = (name: keyof typeof exitCodes) => () => {
    if (received || !graceful) {
      console.error(`\n${name}: stopping now${received ? `; a step already sent to a host finishes there, and ${left}` : ''}`);
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

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export async function main(argv: string[]): Promise<number> {
  const tooOld = nodeTooOld(process.version);
  if (tooOld) {
    console.error(`✖ ${tooOld}`);
    return 1;
  }
  let code = 0;
  let debug = false;
  let stopped: () => number | undefined = () => undefined;
  const runner: Runner = async (run, args, options, command, interruptible = false) => {
    const globals = command.optsWithGlobals() as { inventory?: string; configuration?: string; allowProduction?: boolean; debug?: boolean };
    debug = globals.debug === true;
    const stop = signals(interruptible);
    stopped = stop.code;
    const ctx: CommandContext<typeof options> = {
      args,
      inventory: globals.configuration ?? globals.inventory ?? 'lab',
      allowProduction: globals.allowProduction === true,
      options,
      json: (options as { json?: boolean }).json === true,
      signal: stop.signal,
      out: (line) => console.log(line),
      err: (line) => console.error(line),
    };
    try {
      code = await run(ctx);
    } finally {
      stop.dispose();
    }
  };
  try {
    await buildProgram(version(), runner).parseAsync(argv, { from: 'user' });
    return stopped() ?? code;
  } catch (error) {
    if (error instanceof CommanderError)
      return ['commander.helpDisplayed', 'commander.version'].includes(error.code) || error.exitCode === 0 ? 0 : 2;
    const { HomelabError } = await import('@homelab/model');
    if (error instanceof HomelabError) console.error(`✖ ${error.message}`);
    else if (debug) console.error(error);
    else
      console.error(
        `✖ unexpected error: ${error instanceof Error ? error.message : String(error)}\n  run again with --debug for the stack trace, and report it`,
      );
    return stopped() ?? 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
