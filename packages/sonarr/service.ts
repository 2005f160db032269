import { defineService } from '@homelab/model';

export default defineService({
  description: 'Sonarr: TV series automation',
  host: 'ocean',
  category: 'media',
  puid: true,
  exposure: { port: 8989, access: 'admin' },
  health: {
    probes: [{ type: 'http', port: 8989, path: '/ping', expectJson: { status: 'OK' } }],
    timeoutSeconds: 120,
  },
  backups: { volumes: ['${CONFIG_ROOT}/config'] },
});
