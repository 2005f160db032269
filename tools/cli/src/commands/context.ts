// What every command gets: parsed flags and where to print.
export interface CommandContext {
  args: string[];
  inventory: string;
  json: boolean;
  allowProduction: boolean;
  flags: Record<string, string | boolean | undefined>;
  /** Aborted (reason "SIGINT" or "SIGTERM") when the operator stops the command; checked at safe points. */
  signal?: AbortSignal;
  out: (line: string) => void;
  err: (line: string) => void;
}
