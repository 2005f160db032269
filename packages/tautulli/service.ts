import { defineService } from '@homelab/model';

export default defineService({
  description: 'Tautulli: Plex statistics and monitoring',
  host: 'ocean',
  category: 'media',
  puid: true,
  exposure: { port: 8181, access: 'admin' },
  health: {
    probes: [{ type: 'http', port: 8181, path: '/status', expectJson: { result: 'success' } }],
    timeoutSeconds: 120,
  },
  backups: { volumes: ['${CONFIG_ROOT}/config'] },
  dependsOn: ['plex'],
});
