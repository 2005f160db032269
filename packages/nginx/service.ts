import { defineService } from '@homelab/model';

export default defineService({
  description: 'nginx: reverse proxy for every exposed service, over the shared web_proxy network',
  host: 'ocean',
  category: 'infrastructure',
  health: {
    probes: [
      { type: 'http', port: 80, path: '/healthz', expectBody: '^ok' },
      { type: 'http', port: 80, path: '/nginx_status', expectBody: '^Active connections: \\d+' },
    ],
    timeoutSeconds: 60,
  },
});
