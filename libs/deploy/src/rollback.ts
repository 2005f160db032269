// Rollback: point `current` back at the previous healthy release and bring it up, health-gated.
import { HostLock, quote } from '@homelab/host';
import { HomelabError } from '@homelab/model';
import { runHealthTest } from '@homelab/health';
import { up, type DeployInput, type DeployResult } from './apply.ts';
import { servicePaths } from './layout.ts';
import { probeTarget } from './probe-target.ts';
import { withHistory, type DeployState, type ReleaseRecord } from './record.ts';
import * as remote from './remote.ts';
import { parseRemoteState } from './remote-state.ts';

export class NothingToRollBackError extends HomelabError {
  constructor(service: string, host: string) {
    super(`${service} on ${host} has no earlier healthy release to roll back to`, { hint: 'deploy a fixed version instead' });
  }
}

// The newest release before the current one that was deployed healthy and is still on the host.
export function rollbackTarget(state: DeployState, releases: string[]): string | undefined {
  const seen = new Set<string>();
  for (const entry of state.history) {
    if (entry.id === state.current.id || seen.has(entry.id)) continue;
    seen.add(entry.id);
    if ((entry.result === 'deployed' || entry.result === 'rollback') && releases.includes(entry.id)) return entry.id;
  }
  return undefined;
}

export async function rollbackService(input: Omit<DeployInput, 'images' | 'secrets' | 'dryRun'>): Promise<DeployResult> {
  const started = Date.now();
  const { svc, host, executor, log } = input;
  const paths = servicePaths(host.deployRoot, svc.name);
  const lock = new HostLock(executor, host.deployRoot);
  const done = (result: DeployResult['result'], release: string | undefined, message: string, version = svc.version): DeployResult => ({
    service: svc.name, host: host.name, result, version, seconds: (Date.now() - started) / 1000, release, message, plan: undefined,
  });
  try {
    await lock.acquire({ command: `rollback ${svc.name}`, waitMs: input.lockWaitMs, onWait: (h) => log(`waiting for the host lock held by ${h?.holder ?? 'unknown'}`) });
    const current = parseRemoteState((await executor.sh(remote.readStateScript(paths, svc.name))).stdout);
    if (!current.state) throw new NothingToRollBackError(svc.name, host.name);
    const id = rollbackTarget(current.state, current.releases);
    if (!id) throw new NothingToRollBackError(svc.name, host.name);
    const record = JSON.parse((await executor.sh(`cat ${quote(`${paths.release(id)}/release.json`)}`)).stdout) as ReleaseRecord;
    log(`rolling back from ${current.state.current.id} to ${id} (version ${record.version})`);
    await executor.sh(remote.swapScript(paths, id), { display: `point current at ${id}` });
    await up(input, paths.current);
    const report = await runHealthTest(svc.spec.health, input.target ?? probeTarget(host, executor, svc.name), input.poll);
    const at = new Date().toISOString();
    if (!report.healthy) {
      await executor.sh(remote.swapScript(paths, current.state.current.id));
      await up(input, paths.current);
      return done('failed', current.state.current.id, `release ${id} is not healthy (${report.detail.join('; ')}); went back to ${current.state.current.id}`);
    }
    const state = withHistory(current.state, { id, version: record.version, gitSha: record.gitSha, at, result: 'rollback' }, { ...record, deployedAt: at });
    await executor.sh(remote.writeStateScript(paths), { input: `${JSON.stringify(state, null, 2)}\n` });
    return done('rolled back', id, `rolled back to ${id}`, record.version);
  } catch (error) {
    return done('failed', undefined, error instanceof Error ? error.message : String(error));
  } finally {
    await lock.release().catch(() => undefined);
  }
}
