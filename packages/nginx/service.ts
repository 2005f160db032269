import { defineService } from '@homelab/model';
import { nginxFiles } from '@homelab/edge';

export default defineService({
  description: 'nginx: reverse proxy for every exposed service, over the shared web_proxy network',
  host: 'ocean',
  category: 'infrastructure',
  // conf.d/<service>.conf for every exposed service, from its service.ts: <name>.home, and its public domain
  // over TLS (certificates from the acme service). A hand-written conf.d file replaces one when listed in overrides.
  generated: { files: (catalog) => nginxFiles(catalog), overrides: [] },
  health: {
    probes: [
      { type: 'http', port: 80, path: '/healthz', expectBody: '^ok' },
      { type: 'http', port: 80, path: '/nginx_status', expectBody: '^Active connections: \\d+' },
    ],
    timeoutSeconds: 60,
  },
});
