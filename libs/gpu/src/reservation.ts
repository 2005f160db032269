// Compose fragments that give a container NVIDIA GPUs: device reservation plus the runtime's variables.
import type { GpuSpec } from '@homelab/model';

export interface GpuComposeFragment {
  devices: Array<Record<string, unknown>>;
  environment: Record<string, string>;
}

// The driver libraries that Plex's transcoder must find (the roadmap's LD_LIBRARY_PATH fix).
export const plexLdLibraryPath = '/usr/lib/x86_64-linux-gnu:/usr/local/nvidia/lib:/usr/local/nvidia/lib64';

// Builds the deploy.resources.reservations.devices entry and environment for one GPU service.
export function gpuComposeFragment(gpu: GpuSpec): GpuComposeFragment {
  const device: Record<string, unknown> = { driver: 'nvidia', capabilities: ['gpu', ...gpu.capabilities] };
  if (gpu.devices === 'all') device.count = 'all';
  else device.device_ids = gpu.devices.map(String);
  const environment: Record<string, string> = {
    NVIDIA_VISIBLE_DEVICES: gpu.devices === 'all' ? 'all' : gpu.devices.map(String).join(','),
    NVIDIA_DRIVER_CAPABILITIES: gpu.capabilities.join(','),
  };
  if (gpu.ldLibraryPathFix) environment.LD_LIBRARY_PATH = plexLdLibraryPath;
  return { devices: [device], environment };
}
