import { defineService } from '@homelab/model';

export default defineService({
  description: 'Radarr: movie automation',
  host: 'ocean',
  category: 'media',
  puid: true,
  exposure: { port: 7878, access: 'admin' },
  health: {
    probes: [{ type: 'http', port: 7878, path: '/ping', expectJson: { status: 'OK' } }],
    timeoutSeconds: 120,
  },
  backups: { volumes: ['${CONFIG_ROOT}/config'] },
});
