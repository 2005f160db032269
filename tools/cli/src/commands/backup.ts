// `homelab backup run|list|check` and `homelab restore`: restic for the services' declared data.
import {
  checkedTargets,
  checkTargets,
  installSchedule,
  listSnapshots,
  restore,
  runBackup,
  targetsFor,
  type BackupOutcome,
  type HostContext,
} from '@homelab/backup';
import { ConfigError, type HostSpec, type Inventory, type LoadedService } from '@homelab/model';
import type { Executor } from '@homelab/host';
import { formatTable, resultsTable } from '../format.ts';
import { actor, executorFactory, progressLogger } from '../session.ts';
import { hostsNamed, hostsSelected, loadWorkspace, selectRunnable, selectServices } from '../workspace.ts';
import { backupPassword } from './backup-password.ts';
import type { CommandContext, VaultOptions } from './context.ts';

export interface BackupOptions extends VaultOptions {
  json?: boolean;
  snapshot?: string;
  to?: string;
  from?: string;
  lockWait?: number;
  readData?: string;
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

// Runs `work` with one executor per host (closed afterwards) and the host context the library takes.
export async function withHosts<T>(
  ctx: CommandContext<BackupOptions>,
  inventory: Inventory,
  hosts: HostSpec[],
  work: (host: HostSpec, hctx: HostContext) => Promise<T>,
  service = 'backup',
  oneAtATime = false,
): Promise<T[]> {
  const executorFor = executorFactory(ctx, inventory);
  const password = await backupPassword(ctx, inventory);
  const log = progressLogger(ctx);
  const one = async (host: HostSpec) => {
    const executor: Executor = executorFor(host);
    try {
      return await work(host, { host, inventory, executor, password, log: (m) => log(service, host.name, m) });
    } finally {
      await executor.close();
    }
  };
  if (!oneAtATime) return Promise.all(hosts.map(one));
  const out: T[] = [];
  for (const host of hosts) out.push(await one(host));
  return out;
}

const hostsOf = (inventory: Inventory, services: LoadedService[]) =>
  [...new Set(services.map((s) => s.spec.host))].map((h) => inventory.hosts[h]!);

// `homelab backup run [service...]`: every named (or every runnable) service with backups; hosts in parallel.
export async function backupRunCommand(ctx: CommandContext<BackupOptions>): Promise<number> {
  const { workspace, issues } = await loadWorkspace(ctx.inventory);
  const { services, skipped } = selectRunnable(workspace, ctx.args, issues);
  const named = ctx.args.length > 0;
  const withBackups = services.filter((s) => s.spec.backups);
  if (named)
    for (const s of services.filter((s) => !s.spec.backups))
      skipped.push({ service: s.name, host: s.spec.host, why: `declares no backups (${s.files.service})` });
  const outcomes = (
    await withHosts(ctx, workspace.inventory, hostsOf(workspace.inventory, withBackups), async (host, hctx) => {
      const out: BackupOutcome[] = [];
      for (const svc of withBackups.filter((s) => s.spec.host === host.name))
        out.push(await runBackup(svc, { ...hctx, log: (m) => progressLogger(ctx)(svc.name, host.name, m) }));
      return out;
    })
  ).flat();
  if (ctx.json) ctx.out(JSON.stringify({ results: outcomes, skipped }, null, 2));
  else {
    for (const o of outcomes) if (!o.ok) ctx.err(`✖ ${o.service} on ${o.host}: ${o.message}`);
    for (const s of skipped) if (named) ctx.err(`- ${s.service}: skipped, ${s.why}`);
    ctx.out(
      formatTable(
        [
          ['service', 'host', 'result', 'target', 'snapshot', 'size', 'added', 'seconds'],
          ...outcomes.flatMap((o) =>
            o.ok
              ? o.targets.map((t) => [
                  o.service,
                  o.host,
                  'backed up',
                  t.target,
                  t.snapshot,
                  mib(t.bytes),
                  mib(t.added),
                  o.seconds.toFixed(1),
                ])
              : [[o.service, o.host, 'failed', '-', '-', '-', '-', o.seconds.toFixed(1)]],
          ),
        ],
        true,
      ),
    );
  }
  return outcomes.every((o) => o.ok) && !(named && skipped.length) ? 0 : 1;
}

function oneService(ctx: CommandContext<BackupOptions>, workspace: Awaited<ReturnType<typeof loadWorkspace>>): LoadedService {
  const [svc] = selectServices(workspace.workspace, ctx.args.slice(0, 1), workspace.issues);
  if (!svc!.spec.backups)
    throw new ConfigError([
      { file: svc!.files.service, path: 'backups', message: `${svc!.name} declares no backups`, hint: 'add backups: { volumes: [...] }' },
    ]);
  return svc!;
}

// `homelab backup list <service>`: its snapshots in every target of its host.
export async function backupListCommand(ctx: CommandContext<BackupOptions>): Promise<number> {
  const loaded = await loadWorkspace(ctx.inventory);
  const svc = oneService(ctx, loaded);
  const inventory = loaded.workspace.inventory;
  const [snapshots] = await withHosts(ctx, inventory, [inventory.hosts[svc.spec.host]!], async (_h, hctx) => {
    const all = [];
    for (const t of targetsFor(inventory, svc.spec.host)) all.push(...(await listSnapshots(hctx, t, svc.name)));
    return all;
  });
  if (ctx.json) {
    ctx.out(JSON.stringify(snapshots, null, 2));
    return 0;
  }
  if (!snapshots!.length) ctx.err(`no snapshot of ${svc.name} yet (homelab backup run ${svc.name})`);
  ctx.out(
    formatTable(
      [
        ['snapshot', 'time', 'host', 'target', 'paths'],
        ...snapshots!.map((s) => [s.shortId, s.time.slice(0, 19), s.host, s.target, s.paths.join(' ')]),
      ],
      true,
    ),
  );
  return 0;
}

// `homelab backup check`: restic check of every target of every Docker host.
export async function backupCheckCommand(ctx: CommandContext<BackupOptions>): Promise<number> {
  const { workspace } = await loadWorkspace(ctx.inventory);
  const inventory = workspace.inventory;
  const hosts = hostsSelected(inventory, ctx.args, { docker: true }).filter((h) => checkedTargets(inventory, h.name).length);
  // One host at a time: a repository shared by hosts is checked once (checkedTargets), and never while another check holds it.
  const results = await withHosts(
    ctx,
    inventory,
    hosts,
    async (host, hctx) => ({ host: host.name, ...(await checkTargets(hctx, ctx.options.readData)) }),
    'backup',
    true,
  );
  for (const r of results) {
    for (const t of r.checked) ctx.out(`${r.host}: ${t}: no errors were found`);
    if (r.error) ctx.err(`✖ ${r.host}: ${r.error.message}`);
  }
  return results.every((r) => !r.error) ? 0 : 1;
}

// `homelab restore <service> [--snapshot ID] [--to PATH] [--from TARGET]`.
export async function restoreCommand(ctx: CommandContext<BackupOptions>): Promise<number> {
  const loaded = await loadWorkspace(ctx.inventory);
  const svc = oneService(ctx, loaded);
  const inventory = loaded.workspace.inventory;
  const by = await actor(loaded.workspace.root);
  const [result] = await withHosts(
    ctx,
    inventory,
    [inventory.hosts[svc.spec.host]!],
    (_h, hctx) =>
      restore(
        svc,
        hctx,
        { lockWaitMs: (ctx.options.lockWait ?? Number(process.env.HOMELAB_LOCK_WAIT_SECONDS ?? 600)) * 1000, signal: ctx.signal, by },
        {
          snapshot: ctx.options.snapshot,
          to: ctx.options.to,
          from: ctx.options.from,
        },
      ),
    svc.name,
  );
  if (ctx.json) ctx.out(JSON.stringify(result, null, 2));
  else {
    if (result!.message)
      (result!.result === 'restored' ? ctx.out : ctx.err)(
        `${result!.result === 'restored' ? '' : '✖ '}${svc.name} on ${result!.host}: ${result!.message}`,
      );
    ctx.out(resultsTable([result!]));
  }
  return result!.result === 'restored' ? 0 : 1;
}

// `homelab backup schedule [host...]`: the timers of each host's services with backups, and the weekly check.
export async function backupScheduleCommand(ctx: CommandContext<BackupOptions>): Promise<number> {
  const { workspace, issues } = await loadWorkspace(ctx.inventory);
  const inventory = workspace.inventory;
  const services = selectRunnable(workspace, [], issues).services.filter((s) => s.spec.backups);
  hostsNamed(inventory, ctx.args);
  const hosts = hostsOf(inventory, services).filter((h) => ctx.args.length === 0 || ctx.args.includes(h.name));
  const results = await withHosts(ctx, inventory, hosts, async (host, hctx) => ({
    host: host.name,
    ...(await installSchedule(
      hctx,
      services.filter((s) => s.spec.host === host.name),
    )),
  }));
  for (const r of results)
    ctx.out(
      r.systemd
        ? `${r.host}: enabled ${r.timers.join(', ')}`
        : `${r.host}: no systemd runs there: the scripts and units are written under ${inventory.hosts[r.host]!.deployRoot}/.backup, no timer is enabled`,
    );
  return 0;
}
