import { defineService } from '@homelab/model';

export default defineService({
  description: 'Overseerr: media request management',
  host: 'ocean',
  category: 'media',
  exposure: {
    port: 5055,
    domain: 'requests.terrac.com',
    access: 'plex-users',
  },
  health: {
    probes: [{ type: 'http', port: 5055, path: '/api/v1/status', expectBody: '"version":"\\d+\\.\\d+' }],
    timeoutSeconds: 120,
  },
  backups: { volumes: ['${CONFIG_ROOT}/config'] },
  dependsOn: ['plex', 'sonarr', 'radarr'],
});
