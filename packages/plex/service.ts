import { defineService } from '@homelab/model';

export default defineService({
  description: 'Plex Media Server with RTX 3090 hardware transcoding',
  host: 'ocean',
  category: 'media',
  exposure: { port: 32400, domain: 'plex.terrac.com', access: 'plex-users' },
  // NVENC/NVDEC transcodes: a few sessions at 1080p/4K.
  gpu: { vramMiB: 1536, capabilities: ['compute', 'video', 'utility'], ldLibraryPathFix: true },
  secrets: ['PLEX_CLAIM'],
  health: {
    probes: [{ type: 'http', port: 32400, path: '/identity', expectBody: '<MediaContainer[^>]*machineIdentifier="[^"]+"' }],
    timeoutSeconds: 180,
  },
  backups: { volumes: ['${CONFIG_ROOT}/config'] },
});
