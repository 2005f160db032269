// Pure: the release .env (secrets only), quoted so Compose reads every value literally.
export function quoteEnvValue(value: string): string {
  if (!value.includes("'") && !value.includes('\n')) return `'${value}'`;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\$/g, '\\$')}"`;
}

// KEY='value' lines in the order the service names its secrets.
export function renderEnvFile(names: string[], values: Record<string, string>): string {
  const header = '# Secrets of this release. Mode 0600; written by homelab over the SSH session, never on a command line.\n';
  return header + names.map((name) => `${name}=${quoteEnvValue(values[name] ?? '')}\n`).join('');
}
