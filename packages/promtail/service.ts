import { defineService } from '@homelab/model';

export default defineService({
  description: 'Promtail: ships the systemd journal (and so the Docker journald logs) to Loki',
  host: 'ocean',
  category: 'monitoring',
  metrics: { port: 9080 },
  health: {
    probes: [{ type: 'http', port: 9080, path: '/ready', expectBody: '^Ready' }],
    timeoutSeconds: 120,
  },
  dependsOn: ['loki'],
});
