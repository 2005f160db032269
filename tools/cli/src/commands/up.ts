// `homelab up`: the main job on the embedded default: lab up, deploy every lab-runnable service, status.
import { labUp } from '@homelab/lab';
import { findWorkspaceRoot } from '@homelab/model';
import { loadFailure, loadWorkspace, selectRunnable } from '../workspace.ts';
import type { CommandContext } from './context.ts';
import { manyCommand } from './deploy.ts';
import { statusCommand } from './status.ts';

export async function upCommand(ctx: CommandContext): Promise<number> {
  const root = findWorkspaceRoot();
  ctx.out('==> bringing up the lab');
  await labUp(root, ctx.out);
  const { workspace, issues } = await loadWorkspace('lab', root);
  const { services: runnable, skipped } = selectRunnable(workspace, [], issues);
  ctx.out(`==> deploying ${runnable.length} lab-runnable service(s): ${runnable.map((s) => s.name).join(', ')}`);
  if (skipped.length)
    ctx.out(
      `    (not runnable in the lab: ${skipped.map((s) => `${s.service} [${s.why.replace(/^not runnable in inventory lab: /, '')}]`).join(', ')})`,
    );
  // A service.ts that cannot be loaded is said, and fails the job, while the others still deploy.
  for (const [name, found] of issues) ctx.err(`✖ ${name} ${loadFailure(found)}`);
  const deployed = await manyCommand('deploy')({ ...ctx, inventory: 'lab', args: runnable.map((s) => s.name) });
  ctx.out('==> status');
  const status = await statusCommand({ ...ctx, inventory: 'lab', args: [] });
  return deployed || status || (issues.size ? 1 : 0);
}
