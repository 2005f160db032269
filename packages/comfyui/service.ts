import { defineService } from '@homelab/model';

export default defineService({
  description: 'ComfyUI: AI image generation (YanWenKun cu126-slim image)',
  host: 'ocean',
  category: 'ai',
  exposure: { port: 8188, domain: 'comfyui.terrac.com', access: 'admin', websockets: true, maxBodySize: '100m' },
  gpu: { vramMiB: 4096 },
  health: {
    probes: [
      {
        type: 'http',
        port: 8188,
        path: '/system_stats',
        container: 'comfyui',
        expectBody: '"devices":\\s*\\[',
      },
    ],
    timeoutSeconds: 600,
  },
  backups: { volumes: ['${CONFIG_ROOT}/storage'] },
});
