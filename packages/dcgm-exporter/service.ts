import { defineService } from '@homelab/model';

export default defineService({
  description: 'NVIDIA DCGM exporter: GPU metrics for Prometheus',
  host: 'ocean',
  category: 'monitoring',
  metrics: { port: 9400 },
  gpu: { vramMiB: 256 },
  health: {
    probes: [{ type: 'http', port: 9400, path: '/metrics', expectBody: 'DCGM_FI_DEV_GPU_UTIL\\{gpu="0"' }],
    timeoutSeconds: 120,
  },
});
