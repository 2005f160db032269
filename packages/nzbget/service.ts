import { defineService } from '@homelab/model';

export default defineService({
  description: 'NZBGet: Usenet downloader',
  host: 'ocean',
  category: 'media',
  puid: true,
  secrets: ['NZBGET_PASS'],
  exposure: { port: 6789, access: 'admin' },
  health: {
    probes: [
      {
        type: 'http',
        port: 6789,
        path: '/jsonrpc/version',
        expectStatus: [401],
        expectBody: 'Unauthorized|Access denied',
      },
      { type: 'container', service: 'nzbget' },
    ],
    timeoutSeconds: 120,
  },
  backups: { volumes: ['${CONFIG_ROOT}/config'] },
});
