// Runs backups, listings, checks and restores on a host over its one executor. The password travels on
// the SSH session's stdin only; the scripts come from the pure builders.
import { deployResult, restoreService as restoreTransition, type DeployResult, type TransitionInput } from '@homelab/deploy';
import { CommandError, type BackupTarget, type HostSpec, type Inventory, type LoadedService } from '@homelab/model';
import { quote, type Executor } from '@homelab/host';
import { NoBackupTargetError, ResticError, SnapshotError } from './errors.ts';
import { backupPaths, backupSpec, checkedTargets, type BackupSpec } from './plan.ts';
import { maxAgeSeconds } from './schedule.ts';
import { installScheduleScript, scheduleFiles } from './schedule-install.ts';
import { backupScript, checkScript, snapshotsScript, stageScript, swapScript, type PasswordSource } from './scripts.ts';

export interface HostContext {
  host: HostSpec;
  inventory: Inventory;
  executor: Executor;
  /** The restic password (from the vault): sent on stdin, never shown. */
  password: string;
  log: (message: string) => void;
}

export interface TargetSummary {
  target: string;
  snapshot: string;
  bytes: number;
  added: number;
}

export interface BackupOutcome {
  service: string;
  host: string;
  ok: boolean;
  seconds: number;
  targets: TargetSummary[];
  message: string | undefined;
}

export interface Snapshot {
  id: string;
  shortId: string;
  time: string;
  host: string;
  tags: string[];
  paths: string[];
  target: string;
}

const stdin = (password: string): PasswordSource => ({ stdinBytes: Buffer.byteLength(password) });

// Turns a failed script into the error that names the target, restic's words and what to do.
export function scriptFailure(ctx: HostContext, targets: BackupTarget[], what: string, r: { exitCode: number; stderr: string }): Error {
  const name = [...r.stderr.matchAll(/^--target-- (\S+)$/gm)].pop()?.[1];
  const stderr = r.stderr.replace(/^--target-- \S+\n?/gm, '');
  const target = targets.find((t) => t.name === name);
  if (target && (r.exitCode === 6 || r.exitCode === 7 || /^Fatal: /m.test(stderr)))
    return new ResticError({
      host: ctx.host.name,
      target: target.name,
      repository: target.repository,
      passwordFile: ctx.inventory.backup.passwordFile,
      command: what,
      exitCode: r.exitCode,
      stderr,
    });
  return new CommandError({
    host: ctx.host.name,
    command: what,
    exitCode: r.exitCode,
    stderr,
    hint: 'read the message above; nothing was restored or deleted',
  });
}

function specOf(svc: LoadedService, ctx: HostContext): BackupSpec {
  const spec = backupSpec(svc, ctx.host, ctx.inventory);
  if (!spec)
    throw new SnapshotError(`${svc.name} declares no backups`, { hint: `add backups: { volumes: [...] } to ${svc.files.service}` });
  if (spec.targets.length === 0) throw new NoBackupTargetError(ctx.inventory.name, ctx.host.name);
  return spec;
}

// One service's backup to every target of its host; a failure is reported, not thrown.
export async function runBackup(svc: LoadedService, ctx: HostContext): Promise<BackupOutcome> {
  const started = Date.now();
  const outcome = (ok: boolean, targets: TargetSummary[], message?: string): BackupOutcome => ({
    service: svc.name,
    host: ctx.host.name,
    ok,
    seconds: (Date.now() - started) / 1000,
    targets,
    message,
  });
  try {
    const spec = specOf(svc, ctx);
    ctx.log(`backing up to ${spec.targets.map((t) => t.name).join(', ')}${spec.stop ? ' (stopped during the copy)' : ''}`);
    const script = backupScript(spec, stdin(ctx.password), ctx.inventory.backup.textfileDir, maxAgeSeconds(spec.schedule));
    const r = await ctx.executor.sh(script, {
      input: ctx.password,
      allowFailure: true,
      retryConnection: false,
      display: `restic backup of ${svc.name}`,
    });
    for (const line of r.stderr.split('\n')) if (/^(dumping|stopping) /.test(line)) ctx.log(line);
    if (r.exitCode !== 0) throw scriptFailure(ctx, spec.targets, `restic backup of ${svc.name}`, r);
    return outcome(true, parseSummaries(r.stdout));
  } catch (error) {
    return outcome(false, [], error instanceof Error ? error.message : String(error));
  }
}

// Pure: the `--summary-- <target> <json>` lines a backup printed.
export function parseSummaries(stdout: string): TargetSummary[] {
  return [...stdout.matchAll(/^--summary-- (\S+) (.*)$/gm)].map(([, target, json]) => {
    const s = JSON.parse(json!) as { snapshot_id?: string; total_bytes_processed?: number; data_added?: number };
    return { target: target!, snapshot: s.snapshot_id ?? '', bytes: s.total_bytes_processed ?? 0, added: s.data_added ?? 0 };
  });
}

// The snapshots in one target (of one service, or all), oldest first.
export async function listSnapshots(ctx: HostContext, target: BackupTarget, service?: string): Promise<Snapshot[]> {
  const r = await ctx.executor.sh(snapshotsScript(target, stdin(ctx.password), service), {
    input: ctx.password,
    allowFailure: true,
    display: `restic snapshots (${target.name})`,
  });
  if (r.exitCode !== 0) throw scriptFailure(ctx, [target], 'restic snapshots', { ...r, exitCode: r.exitCode });
  const raw = JSON.parse(r.stdout.trim() || '[]') as Array<{
    id: string;
    short_id?: string;
    time: string;
    hostname: string;
    tags?: string[];
    paths: string[];
  }>;
  return raw.map((s) => ({
    id: s.id,
    shortId: s.short_id ?? s.id.slice(0, 8),
    time: s.time,
    host: s.hostname,
    tags: s.tags ?? [],
    paths: s.paths,
    target: target.name,
  }));
}

// `restic check` of the targets this host checks (checkedTargets): the names of those that passed, and the error otherwise.
export async function checkTargets(ctx: HostContext, readDataSubset?: string): Promise<{ checked: string[]; error: Error | undefined }> {
  const targets = checkedTargets(ctx.inventory, ctx.host.name);
  if (targets.length === 0) return { checked: [], error: undefined };
  const r = await ctx.executor.sh(checkScript(targets, stdin(ctx.password), readDataSubset), {
    input: ctx.password,
    allowFailure: true,
    display: 'restic check',
  });
  const checked = [...r.stdout.matchAll(/^--checked-- (\S+)$/gm)].map((m) => m[1]!);
  if (r.exitCode === 0) return { checked, error: undefined };
  // The first target that did not pass, with its own output.
  const failed = targets.find((t) => !checked.includes(t.name))!;
  const part = r.stderr.split(/^--target-- /m).find((p) => p.startsWith(`${failed.name}\n`)) ?? r.stderr;
  return { checked, error: scriptFailure(ctx, targets, 'restic check', { exitCode: 6, stderr: `--target-- ${part}` }) };
}

export interface RestoreOptions {
  /** A snapshot id (or prefix); the newest of the service on its host when absent. */
  snapshot?: string;
  /** Restore into this folder on the host and leave the service alone. */
  to?: string;
  /** The target to restore from (default: the host's first). */
  from?: string;
}

// Pure: the snapshot chosen among a service's snapshots, or why none fits.
export function chooseSnapshot(snapshots: Snapshot[], service: string, host: string, wanted: string | undefined): Snapshot {
  const mine = snapshots.filter((s) => s.tags.includes(`service:${service}`));
  if (wanted === undefined || wanted === 'latest') {
    const own = mine.filter((s) => s.host === host);
    const newest = own.sort((a, b) => a.time.localeCompare(b.time)).pop();
    if (!newest)
      throw new SnapshotError(`there is no snapshot of ${service} from ${host}`, {
        hint: `back it up first: homelab backup run ${service}`,
      });
    return newest;
  }
  const found = snapshots.filter((s) => s.id.startsWith(wanted));
  if (found.length === 0)
    throw new SnapshotError(`no snapshot ${wanted} in the repository`, { hint: `homelab backup list ${service} lists its snapshots` });
  if (found.length > 1) throw new SnapshotError(`${wanted} names ${found.length} snapshots`, { hint: 'give more characters of the id' });
  const s = found[0]!;
  if (!s.tags.includes(`service:${service}`)) {
    const other = s.tags.find((t) => t.startsWith('service:'))?.slice('service:'.length) ?? 'another service';
    throw new SnapshotError(`snapshot ${s.shortId} is of ${other}, not ${service}`, {
      hint: `homelab backup list ${service} lists its snapshots`,
    });
  }
  return s;
}

// A restore: the snapshot first into a staging folder (a wrong password or an unreachable target fails
// here, with nothing changed), then through the release pipeline with the service stopped: data put
// in place, dumps loaded, started, health-gated, recorded. With `to`, only the first step, into `to`.
export async function restore(
  svc: LoadedService,
  ctx: HostContext,
  transition: Omit<TransitionInput, 'svc' | 'host' | 'executor' | 'log'>,
  options: RestoreOptions,
): Promise<DeployResult> {
  const started = Date.now();
  const spec = specOf(svc, ctx);
  const target = options.from ? spec.targets.find((t) => t.name === options.from) : spec.targets[0];
  if (!target)
    throw new SnapshotError(`${ctx.host.name} backs up to no target "${options.from}"`, {
      hint: `one of: ${spec.targets.map((t) => t.name).join(', ')}`,
    });
  const snapshot = chooseSnapshot(
    await listSnapshots(ctx, target, options.snapshot ? undefined : svc.name),
    svc.name,
    ctx.host.name,
    options.snapshot,
  );
  const what = `snapshot ${snapshot.shortId} of ${snapshot.time} from ${target.name}`;
  const stage = options.to ?? backupPaths(ctx.host.deployRoot, svc.name).stageDir;
  ctx.log(`restoring ${what} into ${options.to ?? 'a staging folder'}`);
  const staged = await ctx.executor.sh(stageScript(target, stdin(ctx.password), snapshot.id, stage, ctx.host.name, svc.name, !options.to), {
    input: ctx.password,
    allowFailure: true,
    display: `restic restore ${snapshot.shortId}`,
  });
  if (staged.exitCode !== 0) {
    if (!options.to) await ctx.executor.sh(`rm -rf ${quote(stage)}`, { allowFailure: true, display: 'remove the staging folder' });
    throw scriptFailure(ctx, [target], `restic restore ${snapshot.shortId}`, staged);
  }
  if (options.to)
    return deployResult(svc.name, ctx.host.name, 'restored', {
      version: svc.version,
      seconds: (Date.now() - started) / 1000,
      message: `${what} is in ${options.to} on ${ctx.host.name}; the service was not touched`,
    });
  return restoreTransition({ ...transition, svc, host: ctx.host, executor: ctx.executor, log: ctx.log }, what, async () => {
    const r = await ctx.executor.sh(swapScript(spec, stage), { display: `put ${what} in place`, allowFailure: true });
    for (const line of r.stderr.split('\n')) if (/^(restored|loaded) /.test(line)) ctx.log(line);
    if (r.exitCode !== 0) throw scriptFailure(ctx, [], `put ${what} in place`, r);
  });
}

// Installs the backup timers of a host (see schedule-install.ts); false where the host runs no systemd
// (the files are written, nothing is enabled).
export async function installSchedule(ctx: HostContext, services: LoadedService[]): Promise<{ systemd: boolean; timers: string[] }> {
  const specs = services.map((s) => specOf(s, ctx));
  const { files, timers } = scheduleFiles(specs, ctx.host, ctx.inventory, ctx.password);
  const r = await ctx.executor.sh(installScheduleScript(files, timers), {
    input: files.map((f) => f.content).join(''),
    display: `install the backup timers of ${ctx.host.name}`,
  });
  return { systemd: r.stdout.includes('--systemd--'), timers };
}
