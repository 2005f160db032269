// The SSH transport: the system OpenSSH client through execa, one reused connection per host.
import { mkdirSync } from 'node:fs';
import { ProductionGuardError, type HostSpec } from '@homelab/model';
import { SshError } from './errors.ts';
import { execa } from 'execa';
import { retryDelays, withConnectionRetry, type RetryNotice } from './connection-retry.ts';
import type { CommandResult, Executor, RunOptions } from './executor.ts';
import { join } from './shell.ts';
import { sshArgs, sshExitArgs, type SshOptions } from './ssh-args.ts';
import { sessionCarries, SshSession, type SessionResult } from './ssh-session.ts';

export const defaultControlDir = `/tmp/homelab-ssh-${process.getuid?.() ?? 0}`;

// True when the caller said production hosts may be reached.
export function productionAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.HOMELAB_ALLOW_PRODUCTION === '1' || env.HOMELAB_ALLOW_PRODUCTION === 'true';
}

export interface SshExecutorOptions extends Partial<SshOptions> {
  allowProduction?: boolean;
  /** Told before each retry of a command whose connection failed. */
  onRetry?: (host: string, notice: RetryNotice) => void;
  /** The OpenSSH client to run (tests give a stand-in). */
  ssh?: string;
  /** Run scripts one after another in one remote shell; false: one ssh per script. The host's `ssh.session` by default. */
  session?: boolean;
  /** How long a remote shell may take to start, and stays idle (tests shorten them). */
  sessionTimings?: { readyMs?: number; idleMs?: number };
}

export class SshExecutor implements Executor {
  readonly host: string;
  readonly #spec: HostSpec;
  readonly #options: SshOptions;
  readonly #prefix: string;
  readonly #onRetry: SshExecutorOptions['onRetry'];
  readonly #ssh: string;
  #useSession: boolean;
  #session?: SshSession;
  readonly #timings: SshExecutorOptions['sessionTimings'];

  constructor(spec: HostSpec, options: SshExecutorOptions = {}) {
    if (spec.production && !(options.allowProduction ?? productionAllowed())) throw new ProductionGuardError(spec.inventory, spec.name);
    this.host = spec.name;
    this.#spec = spec;
    this.#options = { controlDir: defaultControlDir, ...options };
    this.#onRetry = options.onRetry;
    this.#ssh = options.ssh ?? 'ssh';
    this.#useSession = options.session ?? spec.ssh.session;
    this.#timings = options.sessionTimings;
    mkdirSync(this.#options.controlDir, { recursive: true, mode: 0o700 });
    // Lab hosts run their own dockerd: every remote command sees that host's socket.
    this.#prefix = spec.dockerHost ? `export DOCKER_HOST=${join([spec.dockerHost])}; ` : '';
  }

  run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    return this.sh(join(argv), { display: options.display ?? join(argv), ...options });
  }

  connect(): void {
    if (this.#sessions() && !this.#session?.open) this.#session = this.#open();
  }

  // Whether scripts go through a remote shell: not on a host whose shell could not run (remembered).
  #sessions(): boolean {
    if (this.#session?.unusable) this.#useSession = false;
    return this.#useSession;
  }

  #open(): SshSession {
    return new SshSession(this.#ssh, sshArgs(this.#spec, this.#options), this.#prefix, this.#timings);
  }

  async sh(script: string, options: RunOptions = {}): Promise<CommandResult> {
    const delays = options.retryConnection === false ? [] : retryDelays(this.#spec.ssh.retrySeconds * 1000);
    const once = async (): Promise<SessionResult> => {
      // Scripts one after another share a remote shell; one asked for while another runs gets its own ssh.
      if (this.#sessions() && !this.#session?.busy && sessionCarries(script, options.input)) {
        if (!this.#session?.open) this.#session = this.#open();
        const session = this.#session;
        const result = await session.run(script, options.input, options.timeoutMs);
        // Unusable: nothing ran; this script and the host's next ones get one ssh each (#sessions).
        if (!session.unusable) return result;
      }
      return this.#single(script, options);
    };
    let retried = 0;
    const { timedOut, ...out } = await withConnectionRetry(
      once,
      delays,
      async (notice) => {
        retried += notice.delayMs;
        this.#onRetry?.(this.#spec.name, notice);
        await this.closeMaster(); // the shared connection died with the link: the next try makes a new one
      },
      options.signal,
    );
    if (timedOut) await this.closeMaster(); // a hung shared connection must not serve the next command
    if (out.exitCode !== 0 && !options.allowFailure) {
      const hint = out.exitCode === 255 || timedOut ? connectionHint(this.#spec, out.stderr) : undefined;
      throw new SshError({
        host: `${this.#spec.name} (${this.#spec.ssh.user}@${this.#spec.address}:${this.#spec.ssh.port})`,
        command: options.display ?? script,
        exitCode: out.exitCode,
        stderr: timedOut ? `timed out after ${options.timeoutMs} ms` : out.stderr,
        hint: hint && retried ? `${hint} (the connection was retried for ${Math.round(retried / 1000)}s)` : hint,
      });
    }
    return out;
  }

  // One ssh process for one script.
  async #single(script: string, options: RunOptions): Promise<SessionResult> {
    const result = await execa(this.#ssh, [...sshArgs(this.#spec, this.#options), '--', this.#prefix + script], {
      input: options.input,
      stdin: options.input === undefined ? 'ignore' : 'pipe',
      reject: false,
      timeout: options.timeoutMs,
      stripFinalNewline: false,
      // Its own process group: Ctrl-C on the terminal reaches the CLI, which stops at a safe point,
      // not the SSH session in the middle of a step.
      detached: true,
    });
    return {
      timedOut: result.timedOut,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      exitCode: result.exitCode ?? (result.timedOut ? 124 : 255),
    };
  }

  async attach(script: string, options: { tty: boolean }): Promise<number> {
    const args = [...(options.tty ? ['-t'] : []), ...sshArgs(this.#spec, this.#options), '--', this.#prefix + script];
    const result = await execa(this.#ssh, args, { stdio: 'inherit', reject: false });
    return result.exitCode ?? 255;
  }

  async stream(script: string, sink: { stdout: (chunk: string) => void; stderr: (chunk: string) => void }): Promise<number> {
    const child = execa(this.#ssh, [...sshArgs(this.#spec, this.#options), '--', this.#prefix + script], {
      stdin: 'ignore',
      reject: false,
      buffer: false,
    });
    child.stdout?.on('data', (b: Buffer) => sink.stdout(b.toString()));
    child.stderr?.on('data', (b: Buffer) => sink.stderr(b.toString()));
    const result = await child;
    return result.exitCode ?? 255;
  }

  // Ends this executor's remote shell. The shared connection may serve other homelab processes (parallel
  // Nx tasks): it is left to expire after ControlPersist seconds instead of being closed under them.
  async close(): Promise<void> {
    this.#session?.close();
    this.#session = undefined;
  }

  /** Ends the shared connection now (lab down, or after a host stopped answering), and the remote shell on it. */
  async closeMaster(): Promise<void> {
    this.#session?.kill();
    this.#session = undefined;
    await execa(this.#ssh, sshExitArgs(this.#spec, this.#options), { reject: false, stdin: 'ignore' });
  }
}

function connectionHint(host: HostSpec, stderr: string): string {
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known/i.test(stderr)) {
    return `the host key of ${host.address} is not the one in ${host.ssh.knownHosts}: verify the host, then add its key there (the lab writes it with \`homelab lab up\`)`;
  }
  if (/Permission denied/i.test(stderr))
    return `the key ${host.ssh.identityFile} is not authorised for ${host.ssh.user}@${host.address}: add its public key to authorized_keys`;
  return `is ${host.name} (${host.address}:${host.ssh.port}) up and running sshd? Check with \`ssh -p ${host.ssh.port} ${host.ssh.user}@${host.address}\``;
}
