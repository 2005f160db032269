// A faked executor for orchestration tests: answers scripts by pattern and records every call.
import { join, type CommandResult, type Executor, type RunOptions } from '@homelab/host';

export type Answer = string | { stdout?: string; stderr?: string; exitCode?: number };

export class FakeExecutor implements Executor {
  readonly host: string;
  readonly calls: Array<{ script: string; input: string | undefined }> = [];
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
    const rule = this.#rules.find(([re]) => re.test(script));
    const raw = rule ? (typeof rule[1] === 'function' ? rule[1](script) : rule[1]) : '';
    const a = typeof raw === 'string' ? { stdout: raw } : raw;
    const result = { stdout: a.stdout ?? '', stderr: a.stderr ?? '', exitCode: a.exitCode ?? 0 };
    if (result.exitCode !== 0 && !o.allowFailure)
      throw new Error(`${this.host}: \`${o.display ?? script}\` failed with exit code ${result.exitCode}: ${result.stderr}`);
    return result;
  }

  async close(): Promise<void> {}

  /** Every script run, in order, for asserting the order of steps. */
  steps(): string[] {
    return this.calls.map((c) => c.script);
  }
}
