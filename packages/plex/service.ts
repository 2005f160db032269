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
  backups: {
    volumes: ['${CONFIG_ROOT}/config'],
    // Plex's support article "Backing up Plex Media Server data" says to stop the server first.
    stop: 'its SQLite library database and metadata change while it runs: Plex says to back them up with the server stopped',
  },
});
