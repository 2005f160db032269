// `homelab status [--json]` and `homelab health <service...>`.
import { hostStatus, probeTarget, type StatusRow } from '@homelab/deploy';
import { formatTable } from '../format.ts';
import { runHealthTest } from '@homelab/health';
import { writeResultsFile } from '../results-file.ts';
import { executorFactory } from '../session.ts';
import { hostsSelected, loadWorkspace, selectRunnable } from '../workspace.ts';
import type { CommandContext } from './context.ts';

export async function statusCommand(ctx: CommandContext): Promise<number> {
  const { workspace } = await loadWorkspace(ctx.inventory);
  const hosts = hostsSelected(workspace.inventory, ctx.args, { docker: true });
  const executorFor = executorFactory(ctx, workspace.inventory);
  const rows: StatusRow[] = [];
  const down: string[] = [];
  await Promise.all(
    hosts.map(async (host) => {
      const executor = executorFor(host);
      try {
        rows.push(...(await hostStatus(host, executor, workspace.services)));
      } catch (error) {
        down.push(`${host.name}: ${(error as Error).message.split('\n')[0]}`);
      } finally {
        await executor.close();
      }
    }),
  );
  rows.sort((a, b) => a.host.localeCompare(b.host) || a.service.localeCompare(b.service));
  if (ctx.json) ctx.out(JSON.stringify({ inventory: workspace.inventory.name, services: rows, unreachable: down }, null, 2));
  else {
    ctx.out(
      formatTable([
        ['service', 'host', 'version', 'health', 'containers', 'deployed', 'release', 'git'],
        ...rows.map((r) => [
          r.service,
          r.host,
          r.version ?? '-',
          r.health,
          r.containers,
          r.deployedAt ?? '-',
          r.release ?? '-',
          r.gitSha ?? '-',
        ]),
      ]),
    );
    for (const d of down) ctx.err(`✖ unreachable: ${d}`);
  }
  return down.length === 0 && rows.every((r) => r.health === 'healthy' || r.health.startsWith('stopped (')) ? 0 : 1;
}

// Pure: what a health row says, on screen and in HOMELAB_RESULTS_FILE.
const healthLine = (r: { service: string; host: string; healthy: boolean; detail: string[] }) =>
  `${r.healthy ? '✔' : '✖'} ${r.service} on ${r.host}: ${r.detail.join('; ')}`;
const skippedLine = (s: { service: string; why: string }) => `- ${s.service} skipped: ${s.why}`;

export async function healthCommand(ctx: CommandContext<{ wait?: boolean; json?: boolean }>): Promise<number> {
  const { workspace, issues } = await loadWorkspace(ctx.inventory);
  const { services, skipped } = selectRunnable(workspace, ctx.args, issues);
  const executorFor = executorFactory(ctx, workspace.inventory);
  const rows: Array<{ service: string; host: string; healthy: boolean; detail: string[] }> = [];
  if (!ctx.json) for (const s of skipped) ctx.out(skippedLine(s));
  for (const svc of services) {
    const host = workspace.inventory.hosts[svc.spec.host];
    if (!host) continue;
    const executor = executorFor(host);
    try {
      const report = await runHealthTest(svc.spec.health, probeTarget(host, executor, svc.name), ctx.options.wait ? {} : { timeoutMs: 0 });
      const row = { service: svc.name, host: host.name, healthy: report.healthy, detail: report.detail };
      rows.push(row);
      if (!ctx.json) ctx.out(healthLine(row));
    } finally {
      await executor.close();
    }
  }
  if (ctx.json) ctx.out(JSON.stringify({ inventory: workspace.inventory.name, services: rows, skipped }, null, 2));
  writeResultsFile('health', workspace.inventory.name, [
    ...rows.map((r) => ({ service: r.service, ok: r.healthy, summary: healthLine(r) })),
    ...skipped.map((s) => ({ service: s.service, ok: true, summary: skippedLine(s) })),
  ]);
  return rows.every((r) => r.healthy) ? 0 : 1;
}
