// What every command gets: its arguments, its own typed options, and where to print.

/** The options of every command that may decrypt the vault (ansible-vault's flags). */
export interface VaultOptions {
  vaultId?: string[];
  vaultPasswordFile?: string[];
}

export interface CommandContext<O extends object = object> {
  args: string[];
  inventory: string;
  allowProduction: boolean;
  /** This command's options, as its definition in program.ts types them. */
  options: O;
  /** --json was given (only commands that print results accept it). */
  json: boolean;
  /** Aborted (reason "SIGINT" or "SIGTERM") when the operator stops the command; checked at safe points. */
  signal?: AbortSignal;
  out: (line: string) => void;
  err: (line: string) => void;
}
