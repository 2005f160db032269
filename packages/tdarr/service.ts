import { defineService } from '@homelab/model';

export default defineService({
  description: 'Tdarr: automated media transcoding with NVENC',
  host: 'ocean',
  category: 'media',
  exposure: { port: 8265, access: 'admin' },
  gpu: { vramMiB: 1536, capabilities: ['compute', 'video', 'utility'] },
  health: {
    probes: [{ type: 'http', port: 8266, path: '/api/v2/status', expectJson: { status: 'good' } }],
    timeoutSeconds: 120,
  },
  backups: { volumes: ['${CONFIG_ROOT}/server', '${CONFIG_ROOT}/configs'] },
});
