// Parses `nvidia-smi --query-gpu=index,uuid,name,memory.total,memory.used,driver_version --format=csv,noheader,nounits`.
import { NvidiaSmiParseError } from './errors.ts';

export const nvidiaSmiQuery = ['--query-gpu=index,uuid,name,memory.total,memory.used,driver_version', '--format=csv,noheader,nounits'];

export interface GpuFact {
  index: number;
  uuid: string;
  name: string;
  memoryTotalMiB: number;
  memoryUsedMiB: number;
  driverVersion: string;
}

// One GpuFact per output line; "[N/A]" memory (MIG, some vGPUs) reads as 0.
export function parseNvidiaSmi(output: string, host = 'host'): GpuFact[] {
  return output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const cols = line.split(',').map((c) => c.trim());
      if (cols.length !== 6) throw new NvidiaSmiParseError(host, line, `expected 6 columns, got ${cols.length}`);
      const [index, uuid, name, total, used, driver] = cols as [string, string, string, string, string, string];
      if (!/^\d+$/.test(index)) throw new NvidiaSmiParseError(host, line, 'index is not a number');
      if (!/^(GPU|MIG)-[0-9a-fA-F-]+/.test(uuid)) throw new NvidiaSmiParseError(host, line, 'uuid is not a GPU UUID');
      return { index: Number(index), uuid, name, memoryTotalMiB: mib(total), memoryUsedMiB: mib(used), driverVersion: driver };
    });
}

function mib(text: string): number {
  const n = Number(text);
  return Number.isFinite(n) ? n : 0;
}

/** The memory of all the GPUs nvidia-smi listed. */
export function reportedVramMiB(gpus: GpuFact[]): number {
  return gpus.reduce((sum, g) => sum + g.memoryTotalMiB, 0);
}
