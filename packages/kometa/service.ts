import { defineService } from '@homelab/model';

export default defineService({
  description: 'Kometa (formerly Plex Meta Manager): Plex library metadata automation',
  host: 'ocean',
  category: 'media',
  secrets: ['PLEX_TOKEN'],
  health: { probes: [{ type: 'container', service: 'kometa' }], timeoutSeconds: 120 },
  backups: { volumes: ['${CONFIG_ROOT}/config'] },
  dependsOn: ['plex'],
});
