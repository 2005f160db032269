// `homelab lab up|down|status`
import { findWorkspaceRoot } from '@homelab/model';
import { labDown, labStatus, labUp } from '@homelab/lab';
import type { CommandContext } from './context.ts';

export async function labCommand(ctx: CommandContext<{ json?: boolean; apps?: string[] }>): Promise<number> {
  const root = findWorkspaceRoot();
  const [action = 'status'] = ctx.args;
  if (action === 'up') {
    await labUp(root, ctx.out);
    if (ctx.options.apps?.length) await (await import('./up.ts')).appImages(ctx.options.apps, root, ctx.out);
    return 0;
  }
  if (action === 'down') {
    await labDown(root, ctx.out);
    return 0;
  }
  if (action === 'status') {
    const rows = await labStatus(root);
    if (ctx.json) ctx.out(JSON.stringify(rows, null, 2));
    else
      for (const r of rows)
        ctx.out(
          `${r.host.padEnd(10)} ${r.address.padEnd(12)} netns:${r.netns ? 'up' : 'down'} sshd:${r.sshd ? 'up' : 'down'} dockerd:${r.dockerd ? 'up' : 'down'}`,
        );
    return rows.every((r) => r.netns && r.sshd && r.dockerd) ? 0 : 1;
  }
  ctx.err(`unknown lab action "${action}": use up, down or status`);
  return 2;
}
