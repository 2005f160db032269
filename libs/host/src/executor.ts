// The one interface both transports implement: run an argv or a script on a host.
export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  /** Written to the command's stdin (how secrets travel). */
  input?: string;
  /** Return a non-zero result instead of throwing. */
  allowFailure?: boolean;
  timeoutMs?: number;
  /** Text to show instead of the command in errors and logs. */
  display?: string;
  /**
   * Run it again when the connection (not the command) failed, within the host's retry window. On by
   * default: every script of the release pipeline can run twice. Turn it off for commands that must not.
   */
  retryConnection?: boolean;
  /** The operator stopped the command: a connection that fails is no longer tried again. */
  signal?: AbortSignal;
}

export interface Executor {
  /** Host name used in messages. */
  readonly host: string;
  /** Runs an argv list (quoted for the remote shell where there is one). */
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
  /** Runs a POSIX sh script. */
  sh(script: string, options?: RunOptions): Promise<CommandResult>;
  close(): Promise<void>;
  /**
   * Starts connecting now, so that the connection's set-up overlaps local work; the first script uses
   * it. Nothing runs on the host, and a connection that fails here fails that script, as it would have.
   */
  connect?(): void;
  /**
   * Runs a script and hands its output over as it comes (logs --follow); the exit code at the end.
   * Not retried, and stopped with this process (Ctrl-C).
   */
  /** Runs a script attached to this terminal (stdin, stdout, stderr; a TTY when asked); its exit code. */
  attach?(script: string, options: { tty: boolean }): Promise<number>;
  stream?(
    script: string,
    sink: { stdout: (chunk: string) => void; stderr: (chunk: string) => void },
    options?: RunOptions,
  ): Promise<number>;
}
