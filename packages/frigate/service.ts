import { defineService } from '@homelab/model';

export default defineService({
  description: 'Frigate: NVR with TensorRT object detection on the RTX 3090',
  host: 'ocean',
  category: 'cloud',
  secrets: ['FRIGATE_RTSP_PASSWORD'],
  exposure: { port: 5000, access: 'admin' },
  gpu: { vramMiB: 768, capabilities: ['compute', 'video', 'utility'] },
  health: {
    probes: [
      { type: 'http', port: 5000, path: '/api/version', expectBody: '^0\\.14\\.1' },
      { type: 'http', port: 5000, path: '/api/stats', expectBody: '"detectors"' },
    ],
    timeoutSeconds: 300,
  },
  backups: { volumes: ['${CONFIG_ROOT}/config'] },
});
