// Shell quoting and joining live here and nowhere else.

// Quotes one argument for a POSIX shell; safe words pass through unchanged.
export function quote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function join(argv: readonly string[]): string {
  return argv.map(quote).join(' ');
}

// argv lists joined with && : stop at the first failure.
export function combine(...commands: readonly (readonly string[])[]): string {
  return commands.map(join).join(' && ');
}
