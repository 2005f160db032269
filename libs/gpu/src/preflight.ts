// Before a GPU service is deployed: the host's real GPUs (from nvidia-smi, in its facts) must be
// there, be the ones the service names, and be as large as the inventory says (the VRAM budget that
// validate checked was computed from the inventory's figure).
import type { GpuSpec, HostSpec } from '@homelab/model';
import { compareGpus } from './compare.ts';
import { GpuPreflightError } from './errors.ts';
import type { GpuFact } from './nvidia-smi.ts';

/** What the host's facts say about its NVIDIA GPUs. */
export interface GpuHostFacts {
  gpus: GpuFact[];
  nvidiaSmi: { installed: boolean; error?: string };
}

function describe(gpus: GpuFact[]): string {
  return gpus.map((g) => `${g.index} ${g.uuid} ${g.name} ${g.memoryTotalMiB} MiB`).join('; ');
}

// Pure: the first reason the service cannot have its GPUs on this host, or undefined when it can.
export function gpuPreflight(service: string, gpu: GpuSpec, host: HostSpec, facts: GpuHostFacts): GpuPreflightError | undefined {
  const fail = (message: string, hint: string) => new GpuPreflightError(service, host.name, message, hint);
  if (!facts.nvidiaSmi.installed) {
    return fail(
      'needs an NVIDIA GPU, but the host has no nvidia-smi',
      'install the NVIDIA driver (it brings nvidia-smi) and the NVIDIA Container Toolkit, or place the service on a GPU host',
    );
  }
  if (facts.nvidiaSmi.error) {
    return fail(
      `needs an NVIDIA GPU, but ${facts.nvidiaSmi.error}`,
      'run nvidia-smi on the host: "Driver/library version mismatch" usually wants a reboot after a driver upgrade; "couldn\'t communicate with the NVIDIA driver" means the kernel module is not loaded',
    );
  }
  if (facts.gpus.length === 0)
    return fail(
      'needs an NVIDIA GPU, but nvidia-smi lists none',
      'check that the GPU is passed through to this host and the driver sees it (nvidia-smi -L)',
    );
  if (gpu.devices !== 'all') {
    const missing = gpu.devices.filter((d) => !facts.gpus.some((g) => (typeof d === 'number' ? g.index === d : g.uuid === d)));
    if (missing.length) {
      return fail(
        `asks for GPU ${missing.join(', ')}, which nvidia-smi does not list (it lists ${describe(facts.gpus)})`,
        `set gpu.devices in packages/${service}/service.ts to an index or UUID that nvidia-smi lists, or to "all"`,
      );
    }
  }
  const { verdict, declaredMiB, reportedMiB } = compareGpus(host, facts.gpus);
  if (verdict === 'short') {
    return fail(
      `the inventory gives ${host.name} ${declaredMiB} MiB of VRAM, but nvidia-smi reports ${reportedMiB} MiB (${describe(facts.gpus)}): the VRAM budget was checked against more memory than there is`,
      `set gpu.vramMiB (and count) in ${host.file} to nvidia-smi's memory.total (it can be below the card's nominal size), then run validate again`,
    );
  }
  return undefined;
}
