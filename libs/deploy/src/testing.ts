// A faked executor for orchestration tests: answers scripts by pattern and records every call.
import { join, type CommandResult, type Executor, type RunOptions } from '@homelab/host';
import { CommandError } from '@homelab/model';
import { stateDigest } from './remote.ts';

export type Answer = string | { stdout?: string; stderr?: string; exitCode?: number };

// How the scripts of one round trip are put together (pipeline.ts joinSteps and writeState, the lock's
// `then`): the fake host runs each part by its own rule, in the shell's order, as the host would.
const joined = /\n\} \|\| exit \$\?\n(?=\{ )/;
const stepOf = (part: string) => part.replace(/^\{ /, '').replace(/\n\} \|\| exit \$\?$/, '');
const whileHeld =
  /^(if grep -q .*\.homelab\.lock\/holder\.json 2>\/dev\/null; then)\n\(\n([\s\S]*)\n\)\nrc=\$\?\nif \[ "\$rc" -eq 0 \]; then (rm -rf \S+); echo '--released--'; fi\nexit \$rc\nfi\n[\s\S]*$/;
const lockThen = /; \(\n([\s\S]*)\n\) \|\| true; else /;
const ifUnchanged =
  /^s=\$\(\n([\s\S]*)\n\)\nif \[ .* = '?([0-9a-f]{64})'? \]; then echo '--unchanged--'; \(\n([\s\S]*)\n\); echo "--then-exit-- \$\?"\nelse printf .*; fi$/;

export class FakeExecutor implements Executor {
  readonly host: string;
  /** One per round trip: the script as sent, and its stdin. */
  readonly calls: Array<{ script: string; input: string | undefined }> = [];
  /** Every step the host ran, a round trip's joined steps one by one. */
  readonly ran: string[] = [];
  readonly #rules: Array<[RegExp, Answer | ((script: string) => Answer)]>;

  constructor(host: string, rules: Array<[RegExp, Answer | ((script: string) => Answer)]>) {
    this.host = host;
    this.#rules = rules;
  }

  run(argv: readonly string[], o?: RunOptions): Promise<CommandResult> {
    return this.sh(join(argv), o);
  }

  async sh(script: string, o: RunOptions = {}): Promise<CommandResult> {
    this.calls.push({ script, input: o.input });
    const result = this.#answer(script);
    if (result.exitCode !== 0 && !o.allowFailure)
      throw new CommandError({ host: this.host, command: o.display ?? script, exitCode: result.exitCode, stderr: result.stderr });
    return result;
  }

  #answer(script: string): CommandResult {
    // The lock is taken to be still ours, unless a rule answers the script by its first line (a test
    // of a lost lock).
    const held = whileHeld.exec(script);
    if (held) {
      const lost = this.#rules.find(([re]) => re.test(held[1]!));
      if (lost) return this.#rule(script, lost);
      const inner = this.#answer(held[2]!);
      if (inner.exitCode !== 0) return inner;
      this.ran.push(`${held[1]} ${held[3]}; fi`);
      return { ...inner, stdout: `${inner.stdout}--released--\n` };
    }
    const guarded = ifUnchanged.exec(script);
    if (guarded) {
      const now = this.#answer(guarded[1]!);
      if (stateDigest(now.stdout) !== guarded[2]) return now;
      const then = this.#answer(guarded[3]!);
      return { ...then, stdout: `--unchanged--\n${then.stdout}--then-exit-- ${then.exitCode}\n`, exitCode: 0 };
    }
    const parts = script.split(joined);
    if (parts.length > 1 || script.startsWith('{ ')) {
      const out: CommandResult = { stdout: '', stderr: '', exitCode: 0 };
      for (const part of parts) {
        const r = this.#answer(stepOf(part));
        out.stdout += r.stdout;
        out.stderr += r.stderr;
        out.exitCode = r.exitCode;
        if (r.exitCode !== 0) break;
      }
      return out;
    }
    const then = lockThen.exec(script);
    this.ran.push(then ? script.replace(then[1]!, '…') : script); // what runs under the lock: its own steps
    const result = this.#rule(
      script,
      this.#rules.find(([re]) => re.test(script)),
    );
    if (then && result.stdout.startsWith('ACQUIRED')) {
      const under = this.#answer(then[1]!);
      result.stdout += under.stdout;
      result.stderr += under.stderr;
    }
    return result;
  }

  #rule(script: string, rule: [RegExp, Answer | ((script: string) => Answer)] | undefined): CommandResult {
    const raw = rule ? (typeof rule[1] === 'function' ? rule[1](script) : rule[1]) : '';
    const a = typeof raw === 'string' ? { stdout: raw } : raw;
    return { stdout: a.stdout ?? '', stderr: a.stderr ?? '', exitCode: a.exitCode ?? 0 };
  }

  async close(): Promise<void> {}

  /** Every step the host ran, in order, for asserting the order of steps (a round trip's parts one by one). */
  steps(): string[] {
    return this.ran;
  }
}
