// `homelab facts [host...] [--json]`: what each host has, read in one round trip: Docker, Compose,
// systemd, free disk, and its GPUs as nvidia-smi sees them, beside what the inventory declares.
import { formatTable } from '../format.ts';
import { compareGpus } from '@homelab/gpu';
import { gatherFacts, type HostFacts } from '@homelab/host';
import type { HostSpec } from '@homelab/model';
import { executorFactory } from '../session.ts';
import { hostsSelected, loadWorkspace } from '../workspace.ts';
import type { CommandContext } from './context.ts';

interface HostReport {
  host: string;
  facts?: HostFacts;
  error?: string;
  /** Where nvidia-smi disagrees with the inventory's gpu entry. */
  gpuMismatch?: string;
}

// Pure: where the inventory's GPU declaration and nvidia-smi disagree (the one comparison of libs/gpu).
export function gpuMismatch(host: HostSpec, facts: HostFacts): string | undefined {
  if (!host.gpu && facts.gpus.length === 0) return undefined;
  if (host.gpu && facts.nvidiaSmi.error) return facts.nvidiaSmi.error;
  const c = compareGpus(host, facts.gpus);
  return c.verdict === 'matches' ? undefined : c.text;
}

function gpuCell(facts: HostFacts): string {
  if (!facts.nvidiaSmi.installed) return 'no nvidia-smi';
  if (facts.nvidiaSmi.error) return 'nvidia-smi failed';
  if (facts.gpus.length === 0) return 'none listed';
  return facts.gpus.map((g) => `${g.index}: ${g.name} ${g.memoryUsedMiB}/${g.memoryTotalMiB} MiB (driver ${g.driverVersion})`).join('; ');
}

export async function factsCommand(ctx: CommandContext): Promise<number> {
  const { workspace } = await loadWorkspace(ctx.inventory);
  const hosts = hostsSelected(workspace.inventory, ctx.args);
  const executorFor = executorFactory(ctx, workspace.inventory);
  const reports: HostReport[] = await Promise.all(
    hosts.map(async (host): Promise<HostReport> => {
      const executor = executorFor(host);
      try {
        const facts = await gatherFacts(executor, host.deployRoot);
        return { host: host.name, facts, gpuMismatch: gpuMismatch(host, facts) };
      } catch (error) {
        return { host: host.name, error: (error as Error).message.split('\n')[0] };
      } finally {
        await executor.close();
      }
    }),
  );
  reports.sort((a, b) => a.host.localeCompare(b.host));
  if (ctx.json) ctx.out(JSON.stringify({ inventory: workspace.inventory.name, hosts: reports }, null, 2));
  else {
    const rows = reports.flatMap((r) =>
      r.facts
        ? [
            [
              r.host,
              r.facts.docker ?? 'not running',
              r.facts.compose ?? 'missing',
              r.facts.systemd ? 'yes' : 'no',
              r.facts.freeDiskMiB === undefined ? '-' : `${r.facts.freeDiskMiB} MiB`,
              gpuCell(r.facts),
            ],
          ]
        : [],
    );
    ctx.out(formatTable([['host', 'docker', 'compose', 'systemd', 'disk free', 'GPUs'], ...rows]));
    for (const r of reports) {
      if (r.error) ctx.err(`✖ unreachable: ${r.host}: ${r.error}`);
      if (r.gpuMismatch) ctx.err(`⚠ ${r.host}: ${r.gpuMismatch}`);
    }
  }
  return reports.every((r) => !r.error && !r.gpuMismatch) ? 0 : 1;
}
