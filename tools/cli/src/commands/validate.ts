// `homelab validate [service...] --inventory <env>`
import { formatIssue, type ConfigIssue } from '@homelab/model';
import { LocalExecutor } from '@homelab/host';
import { validateService } from '../validate.ts';
import { vaultSecretsIfGiven } from '../session.ts';
import { loadWorkspace, selectServices } from '../workspace.ts';
import type { CommandContext } from './context.ts';

export async function validateCommand(ctx: CommandContext): Promise<number> {
  const { workspace, issues: loadIssues } = await loadWorkspace(ctx.inventory);
  const names = ctx.args.length ? ctx.args : [...workspace.services.map((s) => s.name), ...loadIssues.keys()].sort();
  const local = new LocalExecutor({ env: process.env as Record<string, string> });
  const vault = await vaultSecretsIfGiven(ctx);
  let failed = 0;
  for (const name of names) {
    let issues: ConfigIssue[] | undefined = loadIssues.get(name);
    if (!issues) {
      const [svc] = selectServices(workspace, [name], loadIssues);
      issues = await validateService(svc!, workspace.inventory, workspace.services, local, { vault, onWarning: (w) => ctx.err(`⚠ ${name}: ${formatIssue(w)}`) });
    }
    if (issues.length === 0) {
      ctx.out(`✔ ${name} is valid for inventory ${workspace.inventory.name}`);
    } else {
      failed++;
      ctx.err(`✖ ${name}: ${issues.length} problem${issues.length === 1 ? '' : 's'}\n  ${issues.map(formatIssue).join('\n  ')}`);
    }
  }
  return failed === 0 ? 0 : 1;
}
