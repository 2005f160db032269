// The one comparison of a host's declared GPUs (inventory) with what nvidia-smi reports. Its consumers
// apply their own policy to the same verdict: a deploy refuses "short" (the VRAM budget was checked
// against more memory than there is); `homelab facts` warns on anything but "matches".
import type { HostSpec } from '@homelab/model';
import { hostVramMiB } from './budget.ts';
import { reportedVramMiB, type GpuFact } from './nvidia-smi.ts';

export interface GpuComparison {
  /** matches: same count and memory; short: less memory than declared; more: more than declared, or undeclared GPUs. */
  verdict: 'matches' | 'short' | 'more';
  declaredMiB: number;
  reportedMiB: number;
  /** What differs, in words (empty when it matches). */
  text: string;
}

// Pure: the inventory's GPU declaration against the GPUs nvidia-smi listed.
export function compareGpus(host: HostSpec, gpus: GpuFact[]): GpuComparison {
  const declaredMiB = host.gpu ? hostVramMiB(host) : 0;
  const reportedMiB = reportedVramMiB(gpus);
  const count = host.gpu?.count ?? 0;
  const declared = host.gpu ? `${host.gpu.count} x ${host.gpu.model} ${host.gpu.vramMiB} MiB` : 'no GPU';
  const text = `inventory: ${declared}; nvidia-smi: ${gpus.length} GPU(s), ${reportedMiB} MiB`;
  if (reportedMiB < declaredMiB) return { verdict: 'short', declaredMiB, reportedMiB, text };
  if (reportedMiB > declaredMiB || gpus.length !== count) return { verdict: 'more', declaredMiB, reportedMiB, text };
  return { verdict: 'matches', declaredMiB, reportedMiB, text: '' };
}
