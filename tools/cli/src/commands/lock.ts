// `homelab lock status|release <host>`
import { forceRelease, isStale, lockStatus, type LockState } from '@homelab/host';
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
        ctx.out(s.held ? `${name}: ${describeLock(s)}` : `${name}: free`);
      }
    } finally {
      await executor.close();
    }
  }
  return 0;
}

// Pure: who holds a lock, and whether the next deploy will take it over as stale.
export function describeLock(s: LockState, staleAfterSeconds = 3600): string {
  const h = s.holder;
  const who = h
    ? `${h.holder} (pid ${h.pid}, "${h.command}", since ${h.startedAt}, ${s.ageSeconds ?? '?'}s)`
    : `an unknown holder (${s.ageSeconds ?? '?'}s)`;
  if (!isStale(s, staleAfterSeconds)) return `locked by ${who}`;
  const why = !h
    ? 'it has no holder file'
    : (s.ageSeconds ?? 0) > staleAfterSeconds
      ? `it is older than ${staleAfterSeconds}s`
      : 'its process is gone';
  return `locked by ${who}: STALE (${why}); the next deploy takes it over`;
}
