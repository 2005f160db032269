import { defineService } from '@homelab/model';

export default defineService({
  description: 'Prowlarr: indexer management',
  host: 'ocean',
  category: 'media',
  puid: true,
  exposure: { port: 9696, access: 'admin' },
  health: {
    probes: [{ type: 'http', port: 9696, path: '/ping', expectJson: { status: 'OK' } }],
    timeoutSeconds: 120,
  },
  backups: { volumes: ['${CONFIG_ROOT}/config'] },
});
