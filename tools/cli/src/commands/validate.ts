// `homelab validate [service...] --inventory <env>`
import { formatIssue, type ConfigIssue } from '@homelab/model';
import { LocalExecutor } from '@homelab/host';
import { validateService } from '@homelab/validate';
import { writeResultsFile } from '../results-file.ts';
import { vaultSecretsIfGiven } from '../session.ts';
import { loadWorkspace, selectRunnable } from '../workspace.ts';
import type { CommandContext, VaultOptions } from './context.ts';

interface ValidateRow {
  service: string;
  result: 'valid' | 'invalid' | 'skipped';
  problems: ConfigIssue[];
  warnings: ConfigIssue[];
  why?: string;
}

// Pure: what a row says, on screen and in HOMELAB_RESULTS_FILE.
function rowLine(r: ValidateRow, inventory: string): string {
  if (r.result === 'skipped') return `- ${r.service} skipped: ${r.why}`;
  if (r.result === 'valid') return `✔ ${r.service} is valid for inventory ${inventory}`;
  return `✖ ${r.service}: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'}\n  ${r.problems.map(formatIssue).join('\n  ')}`;
}

export async function validateCommand(ctx: CommandContext<VaultOptions & { json?: boolean }>): Promise<number> {
  const rows: ValidateRow[] = [];
  const { workspace, issues: loadIssues } = await loadWorkspace(ctx.inventory);
  const names = ctx.args.length ? ctx.args : [...workspace.services.map((s) => s.name), ...loadIssues.keys()].sort();
  // What the inventory cannot run, or does not hold, is skipped with its reason (exit 0), as deploy skips it.
  const { services, skipped } = selectRunnable(
    workspace,
    names.filter((n) => !loadIssues.has(n)),
    loadIssues,
  );
  const skips = new Map(skipped.map((s) => [s.service, s.why]));
  const selected = new Map(services.map((s) => [s.name, s]));
  const local = new LocalExecutor({ env: process.env as Record<string, string> });
  const vault = await vaultSecretsIfGiven(ctx);
  let failed = 0;
  for (const name of names) {
    const skip = skips.get(name);
    if (skip) {
      const row: ValidateRow = { service: name, result: 'skipped', problems: [], warnings: [], why: skip };
      rows.push(row);
      if (!ctx.json) ctx.out(rowLine(row, workspace.inventory.name));
      continue;
    }
    const warnings: ConfigIssue[] = [];
    let issues: ConfigIssue[] | undefined = loadIssues.get(name);
    if (!issues) {
      issues = await validateService(selected.get(name)!, workspace.inventory, workspace.services, local, {
        vault,
        onWarning: (w) => {
          warnings.push(w);
          if (!ctx.json) ctx.err(`⚠ ${name}: ${formatIssue(w)}`);
        },
      });
    }
    const row: ValidateRow = { service: name, result: issues.length ? 'invalid' : 'valid', problems: issues, warnings };
    rows.push(row);
    if (issues.length) failed++;
    if (ctx.json) continue;
    if (issues.length === 0) ctx.out(rowLine(row, workspace.inventory.name));
    else ctx.err(rowLine(row, workspace.inventory.name));
  }
  if (ctx.json) ctx.out(JSON.stringify({ inventory: workspace.inventory.name, services: rows }, null, 2));
  writeResultsFile(
    'validate',
    workspace.inventory.name,
    rows.map((r) => ({ service: r.service, ok: r.result !== 'invalid', summary: rowLine(r, workspace.inventory.name) })),
  );
  return failed === 0 ? 0 : 1;
}
