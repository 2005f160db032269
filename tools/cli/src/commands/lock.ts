// `homelab lock status|release <host>`
import { forceRelease, lockStatus } from '@homelab/host';
import { ConfigError } from '@homelab/model';
import { executorFactory } from '../session.ts';
import { loadWorkspace } from '../workspace.ts';
import type { CommandContext } from './context.ts';

export async function lockCommand(ctx: CommandContext): Promise<number> {
  const [action = 'status', ...names] = ctx.args;
  const { workspace } = await loadWorkspace(ctx.inventory);
  const executorFor = executorFactory(ctx, workspace.inventory);
  const hosts = names.length
    ? names
    : Object.values(workspace.inventory.hosts)
        .filter((h) => h.docker)
        .map((h) => h.name);
  for (const name of hosts) {
    const host = workspace.inventory.hosts[name];
    if (!host)
      throw new ConfigError([
        {
          file: `inventories/${workspace.inventory.name}`,
          path: name,
          message: `no host "${name}"`,
          hint: `one of: ${Object.keys(workspace.inventory.hosts).join(', ')}`,
        },
      ]);
    const executor = executorFor(host);
    try {
      if (action === 'release') {
        await forceRelease(executor, host.deployRoot);
        ctx.out(`${name}: lock released`);
      } else {
        const s = await lockStatus(executor, host.deployRoot);
        ctx.out(
          s.held
            ? `${name}: locked by ${s.holder?.holder ?? 'unknown'} (pid ${s.holder?.pid ?? '?'}, "${s.holder?.command ?? '?'}", since ${s.holder?.startedAt ?? '?'}, ${s.ageSeconds ?? '?'}s)`
            : `${name}: free`,
        );
      }
    } finally {
      await executor.close();
    }
  }
  return 0;
}
