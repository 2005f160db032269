import { defineService } from '@homelab/model';

export default defineService({
  description: 'Bazarr: subtitles for Sonarr and Radarr',
  host: 'ocean',
  category: 'media',
  puid: true,
  exposure: { port: 6767, access: 'admin' },
  health: {
    probes: [{ type: 'http', port: 6767, path: '/api/system/ping', expectJson: { status: 'OK' } }],
    timeoutSeconds: 120,
  },
  backups: { volumes: ['${CONFIG_ROOT}/config'] },
  dependsOn: ['sonarr', 'radarr'],
});
