// `homelab lock status|acquire|release <host>`
import { forceRelease, HostLock, isStale, lockStatus, staleLockSeconds, type LockState } from '@homelab/host';
import { ConfigError } from '@homelab/model';
import { executorFactory } from '../session.ts';
import { loadWorkspace } from '../workspace.ts';
import type { CommandContext } from './context.ts';

export interface LockOptions {
  json?: boolean;
  /** With acquire: why, shown to anyone who meets the lock. */
  message?: string;
}

export async function lockCommand(ctx: CommandContext<LockOptions>): Promise<number> {
  const rows: Array<{ host: string } & LockState> = [];
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
      } else if (action === 'acquire') {
        // Held until `homelab lock release`: deploys meet it and show the message.
        await new HostLock(executor, host.deployRoot).acquire({
          command: 'lock acquire',
          message: ctx.options.message,
          manual: true,
          waitMs: 0,
        });
        ctx.out(`${name}: locked${ctx.options.message ? `: "${ctx.options.message}"` : ''}; \`homelab lock release ${name}\` to free it`);
      } else {
        const s = await lockStatus(executor, host.deployRoot);
        rows.push({ host: name, ...s });
        if (!ctx.json) ctx.out(s.held ? `${name}: ${describeLock(s)}` : `${name}: free`);
      }
    } finally {
      await executor.close();
    }
  }
  if (ctx.json)
    ctx.out(
      JSON.stringify(
        { inventory: workspace.inventory.name, locks: rows.map((r) => ({ ...r, stale: isStale(r, staleLockSeconds) })) },
        null,
        2,
      ),
    );
  return 0;
}

// Pure: who holds a lock, and whether the next deploy will take it over as stale.
export function describeLock(s: LockState, staleAfterSeconds = staleLockSeconds): string {
  const h = s.holder;
  const who = h
    ? `${h.holder} (pid ${h.pid}, "${h.command}", since ${h.startedAt}, ${s.ageSeconds ?? '?'}s)`
    : `an unknown holder (${s.ageSeconds ?? '?'}s)`;
  const why = h?.message ? `: "${h.message}"` : '';
  if (h?.manual) return `locked by hand by ${who}${why}; \`homelab lock release\` frees it`;
  if (!isStale(s, staleAfterSeconds)) return `locked by ${who}${why}`;
  const stale = !h
    ? 'it has no holder file'
    : (s.ageSeconds ?? 0) > staleAfterSeconds
      ? `it is older than ${staleAfterSeconds}s`
      : 'its process is gone';
  return `locked by ${who}${why}: STALE (${stale}); the next deploy takes it over`;
}
