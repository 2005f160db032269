// VRAM budget per host: the GPU services placed on a host must fit in its GPU memory.
import type { ConfigIssue, HostSpec } from '@homelab/model';

export interface GpuDemand {
  service: string;
  vramMiB: number;
  file: string;
}

export interface VramBudget {
  host: string;
  capacityMiB: number;
  demandMiB: number;
  breakdown: GpuDemand[];
}

/** The VRAM the inventory declares for a host: gpu.vramMiB x gpu.count, 0 without a GPU. */
export function hostVramMiB(host: HostSpec): number {
  return host.gpu ? host.gpu.vramMiB * host.gpu.count : 0;
}

// Sums the VRAM that `demands` ask of `host`.
export function vramBudget(host: HostSpec, demands: GpuDemand[]): VramBudget {
  const capacityMiB = hostVramMiB(host);
  const breakdown = [...demands].sort((a, b) => b.vramMiB - a.vramMiB || a.service.localeCompare(b.service));
  return { host: host.name, capacityMiB, demandMiB: breakdown.reduce((s, d) => s + d.vramMiB, 0), breakdown };
}

// An issue with the per-service breakdown when the demand exceeds the capacity.
export function vramBudgetIssues(budget: VramBudget, hostFile: string): ConfigIssue[] {
  if (budget.demandMiB <= budget.capacityMiB || budget.breakdown.length === 0) return [];
  const lines = budget.breakdown.map((d) => `${d.service} ${d.vramMiB} MiB`).join(', ');
  return [
    {
      file: hostFile,
      path: 'gpu.vramMiB',
      message: `GPU services on ${budget.host} need ${budget.demandMiB} MiB of VRAM but it has ${budget.capacityMiB} MiB (${lines})`,
      hint: "lower a service's gpu.vramMiB (smaller model or context), move a service to another host, or add a GPU",
    },
  ];
}
