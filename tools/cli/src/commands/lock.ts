// `homelab lock status|acquire|release <host>`
import {
  type Executor,
  forceRelease,
  HostLock,
  isStale,
  LockError,
  LockHeldError,
  lockStatus,
  staleLockSeconds,
  type LockState,
} from '@homelab/host';
import type { HostSpec } from '@homelab/model';
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
  // Only Docker hosts are locked; status and release read or free a lock on any host.
  const hosts = names.length
    ? hostsNamed(workspace.inventory, names, { docker: action === 'acquire' })
    : Object.values(workspace.inventory.hosts).filter((h) => h.docker);
  const executorFor = executorFactory(ctx, workspace.inventory);
  if (action === 'acquire') return acquireAll(ctx, hosts, executorFor);
  for (const host of hosts) {
    const executor = executorFor(host);
    try {
      if (action === 'release') {
        await forceRelease(executor, host.deployRoot);
        ctx.out(`${host.name}: lock released`);
      } else {
        const s = await lockStatus(executor, host.deployRoot);
        rows.push({ host: host.name, ...s });
        if (!ctx.json) ctx.out(s.held ? `${host.name}: ${describeLock(s)}` : `${host.name}: free`);
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

// Locks by hand, held until `homelab lock release`: deploys meet them and show the message. All or
// nothing: when a host cannot be locked, or the operator stops the command (SIGINT/SIGTERM, between two
// hosts), the locks this command took are released again, and a host whose answer was lost is named.
// Hosts are taken in name order, so that two operators locking the same hosts cannot each hold half.
export async function acquireAll(
  ctx: CommandContext<LockOptions>,
  hosts: HostSpec[],
  executorFor: (host: HostSpec) => Executor,
): Promise<number> {
  const executors: Executor[] = [];
  const taken: Array<{ name: string; lock: HostLock }> = [];
  const stoppedBy = () => (ctx.signal?.aborted ? `stopped by ${String(ctx.signal.reason)}` : undefined);
  const undo = async (why: string) => {
    for (const { name, lock } of taken.reverse()) {
      try {
        await lock.release();
        ctx.err(`${name}: lock released again (${why})`);
      } catch (error) {
        ctx.err(
          `${name}: still locked by this command: ${(error as Error).message.split('\n')[0]}; \`homelab lock release ${name}\` frees it`,
        );
      }
    }
  };
  // Stopped (SIGINT/SIGTERM): what was taken goes again.
  const undoIfStopped = async () => {
    const why = stoppedBy();
    if (why) await undo(why);
    return why !== undefined;
  };
  try {
    for (const host of [...hosts].sort((a, b) => a.name.localeCompare(b.name))) {
      // Stopped before this host (or before the first): nothing more is taken.
      if (await undoIfStopped()) return 130;
      const executor = executorFor(host);
      executors.push(executor);
      const lock = new HostLock(executor, host.deployRoot);
      try {
        await lock.acquire({ command: 'lock acquire', message: ctx.options.message, manual: true, waitMs: 0, signal: ctx.signal });
      } catch (error) {
        // The host answered that it is locked (or cannot be): nothing of ours is there. Any other failure
        // may have come after the lock was taken.
        if (!(error instanceof LockHeldError || (error instanceof LockError && !error.connectionLost)))
          ctx.err(
            `${host.name}: no answer came, the lock may have been taken all the same: \`homelab lock status ${host.name}\`, then \`homelab lock release ${host.name}\` if it shows this command`,
          );
        await undo(stoppedBy() ?? 'not every host could be locked');
        throw error;
      }
      taken.push({ name: host.name, lock });
      ctx.out(
        `${host.name}: locked${ctx.options.message ? `: "${ctx.options.message}"` : ''}; \`homelab lock release ${host.name}\` to free it`,
      );
    }
    // Stopped while the last host was being taken.
    if (await undoIfStopped()) return 130;
    return 0;
  } finally {
    await Promise.all(executors.map((e) => e.close()));
  }
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
