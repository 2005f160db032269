// Apply: stage a release, swap `current`, bring it up, gate on health, roll back when it fails.
import type { Executor } from '@homelab/host';
import { HostLock } from '@homelab/host';
import { runHealthTest, type HealthReport, type PollOptions, type ProbeTarget } from '@homelab/health';
import { HomelabError, type HostSpec, type LoadedService } from '@homelab/model';
import { parse } from 'yaml';
import { stripVTControlCharacters } from 'node:util';
import { releaseFiles, renderRelease, type RenderedRelease } from '@homelab/render';
import { keepReleases, releaseId, servicePaths, type ServicePaths } from './layout.ts';
import { maskSecrets } from '@homelab/model';
import { planRelease, type Plan } from './plan.ts';
import { probeTarget } from './probe-target.ts';
import { secretFingerprint, withHistory, type DeployState, type ReleaseRecord } from './record.ts';
import * as remote from './remote.ts';
import { parseRemoteState, type RemoteState } from './remote-state.ts';

export type DeployOutcome = 'deployed' | 'unchanged' | 'planned' | 'rolled back' | 'skipped' | 'failed';

export interface DeployResult {
  service: string;
  host: string;
  result: DeployOutcome;
  version: string;
  seconds: number;
  release: string | undefined;
  message: string | undefined;
  plan: Plan | undefined;
}

export interface DeployInput {
  svc: LoadedService;
  host: HostSpec;
  images: Record<string, string>;
  secrets: Record<string, string>;
  executor: Executor;
  gitSha: string;
  /** The host runs systemd: install and enable the unit. */
  systemd: boolean;
  lockWaitMs: number;
  log: (message: string) => void;
  now?: () => Date;
  target?: ProbeTarget;
  poll?: Partial<PollOptions>;
  /** Only plan; change nothing. */
  dryRun?: boolean;
}

export interface Prepared {
  release: RenderedRelease;
  record: ReleaseRecord;
  paths: ServicePaths;
  remote: RemoteState;
  plan: Plan;
}

// Renders the release and reads the host: everything a plan needs, nothing changed.
export async function prepare(input: DeployInput): Promise<Prepared> {
  const { svc, host, executor } = input;
  const release = renderRelease(svc, { host, images: input.images }, input.secrets);
  const paths = servicePaths(host.deployRoot, svc.name);
  const now = (input.now ?? (() => new Date()))();
  const record: ReleaseRecord = {
    service: svc.name,
    host: host.name,
    inventory: host.inventory,
    id: releaseId(release.hash, now),
    version: svc.version,
    gitSha: input.gitSha,
    hash: release.hash,
    createdAt: now.toISOString(),
    secrets: Object.fromEntries(svc.spec.secrets.map((n) => [n, secretFingerprint(svc.name, input.secrets[n] ?? '')])),
  };
  const out = await executor.sh(remote.readStateScript(paths, svc.name), { display: `read the deployed state of ${svc.name}` });
  const state = parseRemoteState(out.stdout);
  return { release, record, paths, remote: state, plan: planRelease(release, record, state, Object.values(input.secrets)) };
}

// Uploads every file of the release in one round trip; the contents travel on stdin only.
async function stage(input: DeployInput, p: Prepared): Promise<void> {
  const files = [...releaseFiles(p.release), { name: 'release.json', content: `${JSON.stringify(p.record, null, 2)}\n`, mode: '0644' as const }];
  const script = remote.stageScript(p.paths, p.record.id, files.map((f) => ({ name: f.name, bytes: Buffer.byteLength(f.content), mode: f.mode })));
  await input.executor.sh(script, { input: files.map((f) => f.content).join(''), display: `stage release ${p.record.id}` });
}

// Brings the release in `dir` up; with a rollout, replica by replica, and says which busy replicas wait.
export async function up(input: Pick<DeployInput, 'svc' | 'executor'>, dir: string): Promise<string | undefined> {
  const rollout = input.svc.spec.rollout;
  if (!rollout) {
    await input.executor.sh(remote.composeUpScript(dir), { display: `docker compose up -d --remove-orphans (in ${dir})` });
    return undefined;
  }
  const script = remote.rollingUpScript(dir, input.svc.name, rollout.services, rollout.busy, rollout.maxWaitMinutes * 60);
  const out = await input.executor.sh(script, { display: `docker compose up, ${rollout.services.join(', ')} one replica at a time (in ${dir})` });
  const deferred = (/^--deferred--(.*)$/m.exec(out.stdout)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
  if (deferred.length === 0) return undefined;
  const which = deferred.map((pair) => `${pair.slice(pair.indexOf(':') + 1)} ${pair.slice(0, 12)}`).join(', ');
  return `${deferred.length} busy replica${deferred.length === 1 ? '' : 's'} (${which}) keep the previous release until idle, then are replaced (log: ${dir}/.rollout.log)`;
}

function health(input: DeployInput): Promise<HealthReport> {
  const target = input.target ?? probeTarget(input.host, input.executor, input.svc.name);
  return runHealthTest(input.svc.spec.health, target, input.poll);
}

async function writeState(executor: Executor, p: ServicePaths, state: DeployState | undefined): Promise<void> {
  if (state) await executor.sh(remote.writeStateScript(p), { input: `${JSON.stringify(state, null, 2)}\n`, display: `write ${p.state}` });
}

// Pure: the external networks (web_proxy) a rendered compose file attaches to.
export function externalNetworks(compose: string): string[] {
  const doc = parse(compose) as { networks?: Record<string, { external?: boolean; name?: string } | null> };
  return Object.entries(doc.networks ?? {})
    .filter(([, n]) => n?.external === true)
    .map(([key, n]) => n?.name ?? key)
    .sort();
}

// Release dirs to delete: all but the newest `keep` and the ones in use.
export function releasesToPrune(releases: string[], inUse: string[], keep = keepReleases): string[] {
  const complete = releases.filter((r) => !r.endsWith('.partial')).sort();
  const kept = new Set([...complete.slice(-keep), ...inUse]);
  return releases.filter((r) => !kept.has(r));
}

// Deploys one service to its host under the host lock; never throws for a deploy failure, it reports it.
export async function deployService(input: DeployInput): Promise<DeployResult> {
  const started = Date.now();
  const { svc, host, executor, log } = input;
  const secretValues = Object.values(input.secrets);
  const result = (outcome: DeployOutcome, extra: Partial<DeployResult> = {}): DeployResult => ({
    service: svc.name,
    host: host.name,
    result: outcome,
    version: svc.version,
    seconds: (Date.now() - started) / 1000,
    release: undefined,
    message: undefined,
    plan: undefined,
    ...extra,
    ...(extra.message ? { message: maskSecrets(extra.message, secretValues) } : {}),
  });

  const lock = new HostLock(executor, host.deployRoot);
  try {
    if (!input.dryRun) {
      await lock.acquire({ command: `deploy ${svc.name}`, waitMs: input.lockWaitMs, onWait: (h) => log(`waiting for the host lock held by ${h?.holder ?? 'unknown'} (${h?.command ?? '?'})`) });
    }
    const p = await prepare(input);
    if (p.plan.action === 'unchanged' || input.dryRun) {
      return result(p.plan.action === 'unchanged' ? 'unchanged' : 'planned', { plan: p.plan, release: p.plan.previous?.id, message: p.plan.reasons.join('; ') || undefined });
    }
    log(`${p.plan.action}: ${p.plan.reasons.join('; ')}`);
    let deferred: string | undefined;
    try {
      await executor.sh(remote.ensureNetworksScript(externalNetworks(p.release.compose)), { display: 'docker network create (external networks)' });
      log(`staging release ${p.record.id}`);
      await stage(input, p);
      await executor.sh(remote.ensureDirsScript(p.release.dirs, host.uid, host.gid), { display: 'create data directories' });
      await executor.sh(remote.swapScript(p.paths, p.record.id), { display: `point current at ${p.record.id}` });
      log('starting containers');
      deferred = await up(input, p.paths.current);
      if (deferred) log(deferred);
      log('waiting for the health test');
      const report = await health(input);
      if (!report.healthy) {
        const logs = await executor.sh(remote.composeLogsScript(p.paths.current), { allowFailure: true, display: 'docker compose logs' });
        throw new UnhealthyError(svc.name, host.name, report, logs.stdout);
      }
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return await recover(input, p, why, result);
    }
    const deployedAt = new Date().toISOString();
    const state = withHistory(p.remote.state, { id: p.record.id, version: p.record.version, gitSha: p.record.gitSha, at: deployedAt, result: 'deployed' }, { ...p.record, deployedAt });
    await writeState(executor, p.paths, state);
    if (input.systemd) await executor.sh(remote.installUnitScript(p.release.unitName), { input: p.release.unit, display: `install ${p.release.unitName}` });
    const prune = releasesToPrune([...p.remote.releases, p.record.id], [p.record.id, p.plan.previous?.id ?? '']);
    await executor.sh(remote.pruneScript(p.paths, prune), { display: 'prune old releases' });
    return result('deployed', { plan: p.plan, release: p.record.id, message: [p.plan.reasons.join('; '), deferred].filter(Boolean).join('; ') });
  } catch (error) {
    return result('failed', { message: error instanceof Error ? error.message : String(error) });
  } finally {
    await lock.release().catch(() => undefined);
  }
}

export class UnhealthyError extends HomelabError {
  constructor(service: string, host: string, report: HealthReport, logs = '') {
    const clean = stripVTControlCharacters(logs).trim();
    const tail = clean ? `\n  its last log lines:\n    ${clean.split('\n').slice(-15).join('\n    ')}` : '';
    super(`${service} on ${host} failed its health test after ${report.seconds.toFixed(1)}s (${report.attempts} tries): ${report.detail.join('; ')}${tail}`, {
      hint: `see its logs on the host: docker compose -p ${service} logs --tail 50`,
    });
  }
}

// After a failed release: bring back the last healthy one, or stop the stack on a first deploy.
async function recover(input: DeployInput, p: Prepared, why: string, result: (o: DeployOutcome, e?: Partial<DeployResult>) => DeployResult): Promise<DeployResult> {
  const { executor, log } = input;
  const previous = p.plan.previous;
  const at = new Date().toISOString();
  try {
    if (!previous) {
      log('first release failed: stopping it');
      await executor.sh(`${remote.composeDownScript(p.paths.current)} ; ${remote.removeCurrentScript(p.paths)}`, { display: 'stop the failed release', allowFailure: true });
      return result('failed', { plan: p.plan, release: p.record.id, message: `${why}\n  the failed release was stopped; nothing else ran on the host for this service` });
    }
    log(`rolling back to ${previous.id}`);
    await executor.sh(remote.swapScript(p.paths, previous.id), { display: `point current at ${previous.id}` });
    await up(input, p.paths.current);
    const report = await health(input);
    const state = withHistory(p.remote.state, { id: p.record.id, version: p.record.version, gitSha: p.record.gitSha, at, result: 'rolled back', message: maskSecrets(why, Object.values(input.secrets)) }, undefined);
    await writeState(executor, p.paths, state);
    const after = report.healthy ? `rolled back to ${previous.id} (version ${previous.version}), which is healthy` : `rolled back to ${previous.id}, which is NOT healthy either: ${report.detail.join('; ')}`;
    return result('rolled back', { plan: p.plan, release: previous.id, message: `${why}\n  ${after}` });
  } catch (error) {
    return result('failed', { plan: p.plan, message: `${why}\n  and the rollback failed too: ${error instanceof Error ? error.message : String(error)}` });
  }
}
