// The local transport: every process this machine starts goes through here.
import { CommandError } from '@homelab/model';
import { execa } from 'execa';
import type { CommandResult, Executor, RunOptions } from './executor.ts';
import { join } from './shell.ts';

export class LocalExecutor implements Executor {
  readonly host = 'localhost';
  readonly #env: Record<string, string>;
  readonly #cwd: string | undefined;

  constructor(options: { env?: Record<string, string>; cwd?: string } = {}) {
    this.#env = options.env ?? {};
    this.#cwd = options.cwd;
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const [file, ...args] = argv;
    if (!file) throw new Error('empty command');
    const result = await execa(file, args, {
      input: options.input,
      stdin: options.input === undefined ? 'ignore' : 'pipe',
      reject: false,
      timeout: options.timeoutMs,
      env: this.#env,
      cwd: this.#cwd,
      stripFinalNewline: false,
    });
    const out = {
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      exitCode: result.exitCode ?? (result.timedOut ? 124 : 1),
    };
    if (out.exitCode !== 0 && !options.allowFailure) {
      throw new CommandError({
        host: this.host,
        command: options.display ?? join(argv),
        exitCode: out.exitCode,
        stderr: result.timedOut
          ? `timed out after ${options.timeoutMs} ms`
          : out.stderr || (result.failed && !result.exitCode ? String(result.message) : ''),
        hint: result.failed && result.exitCode === undefined && !result.timedOut ? `is ${file} installed and on PATH?` : undefined,
      });
    }
    return out;
  }

  sh(script: string, options: RunOptions = {}): Promise<CommandResult> {
    return this.run(['sh', '-c', script], { display: script, ...options });
  }

  async close(): Promise<void> {}
}
