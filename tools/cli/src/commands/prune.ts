// `homelab prune [host...] [--dry-run] [--keep N]`: release folders and images no retained release needs.
import { pruneHost, type PrunePlan } from '@homelab/deploy';
import { executorFactory } from '../session.ts';
import { hostsSelected, loadWorkspace } from '../workspace.ts';
import type { CommandContext } from './context.ts';

export interface PruneOptions {
  dryRun?: boolean;
  keep?: number;
  json?: boolean;
  lockWait?: number;
}

export async function pruneCommand(ctx: CommandContext<PruneOptions>): Promise<number> {
  const { workspace } = await loadWorkspace(ctx.inventory);
  const hosts = hostsSelected(workspace.inventory, ctx.args, { docker: true });
  const executorFor = executorFactory(ctx, workspace.inventory);
  const results: Array<PrunePlan & { kept: string[] }> = [];
  for (const host of hosts) {
    const executor = executorFor(host);
    try {
      results.push(
        await pruneHost(host, executor, {
          dryRun: ctx.options.dryRun === true,
          keep: ctx.options.keep,
          lockWaitMs: (ctx.options.lockWait ?? Number(process.env.HOMELAB_LOCK_WAIT_SECONDS ?? 600)) * 1000,
        }),
      );
    } finally {
      await executor.close();
    }
  }
  if (ctx.json) {
    ctx.out(JSON.stringify({ inventory: workspace.inventory.name, dryRun: ctx.options.dryRun === true, hosts: results }, null, 2));
    return 0;
  }
  const verb = ctx.options.dryRun ? 'would remove' : 'removed';
  for (const r of results) {
    ctx.out(`${r.host}: ${verb} ${r.releases.length} release folder(s) and ${r.images.length} image(s)`);
    for (const x of [...r.releases, ...r.images]) ctx.out(`  ${x}`);
    for (const k of r.kept) ctx.out(`  kept ${k} (a container still uses it)`);
  }
  return 0;
}
