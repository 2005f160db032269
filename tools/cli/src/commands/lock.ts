// `homelab lock status|acquire|release <host>`
import { type Executor, forceRelease, HostLock, isStale, lockStatus, staleLockSeconds, type LockState } from '@homelab/host';
import { executorFactory } from '../session.ts';
import { hostsNamed, loadWorkspace } from '../workspace.ts';
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
  // Every name is checked before a lock is touched: `release ocean bogus` changes nothing.
  const hosts = names.length ? hostsNamed(workspace.inventory, names) : Object.values(workspace.inventory.hosts).filter((h) => h.docker);
  const executorFor = executorFactory(ctx, workspace.inventory);
  const executors: Executor[] = [];
  // acquire is all or nothing: a host that cannot be locked releases the locks this command took.
  const taken: Array<{ name: string; lock: HostLock }> = [];
  try {
    for (const host of hosts) {
      const name = host.name;
      const executor = executorFor(host);
      executors.push(executor);
      if (action === 'release') {
        await forceRelease(executor, host.deployRoot);
        ctx.out(`${name}: lock released`);
      } else if (action === 'acquire') {
        // Held until `homelab lock release`: deploys meet it and show the message.
        const lock = new HostLock(executor, host.deployRoot);
        await lock.acquire({ command: 'lock acquire', message: ctx.options.message, manual: true, waitMs: 0 });
        taken.push({ name, lock });
        ctx.out(`${name}: locked${ctx.options.message ? `: "${ctx.options.message}"` : ''}; \`homelab lock release ${name}\` to free it`);
      } else {
        const s = await lockStatus(executor, host.deployRoot);
        rows.push({ host: name, ...s });
        if (!ctx.json) ctx.out(s.held ? `${name}: ${describeLock(s)}` : `${name}: free`);
      }
    }
  } catch (error) {
    for (const { name, lock } of taken) {
      try {
        await lock.release();
        ctx.err(`${name}: lock released again (not every host could be locked)`);
      } catch (releaseError) {
        ctx.err(
          `${name}: still locked by this command: ${(releaseError as Error).message.split('\n')[0]}; \`homelab lock release ${name}\` frees it`,
        );
      }
    }
    throw error;
  } finally {
    await Promise.all(executors.map((e) => e.close()));
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
