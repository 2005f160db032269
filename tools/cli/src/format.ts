// Tables on screen: every command that prints rows uses these.
import type { DeployResult } from '@homelab/deploy';

// Pure: rows in aligned columns, the first row a header (underlined when `rule` is set).
export function formatTable(rows: string[][], rule = false): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), ...(rule ? [widths.map((w) => '-'.repeat(w)).join('  ')] : []), ...rows.slice(1).map(line)].join('\n');
}

// Pure: the closing table of deploy, plan and rollback.
export function resultsTable(results: DeployResult[]): string {
  return formatTable(
    [
      ['service', 'host', 'result', 'version', 'seconds'],
      ...results.map((r) => [r.service, r.host, r.result, r.version, r.seconds.toFixed(1)]),
    ],
    true,
  );
}
