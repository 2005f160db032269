import { defineService } from '@homelab/model';

export default defineService({
  description: 'UnPoller: UniFi network metrics for Prometheus',
  host: 'ocean',
  category: 'monitoring',
  metrics: { port: 9130 },
  secrets: ['UNIFI_POLLER_PASSWORD'],
  health: {
    probes: [{ type: 'http', port: 9130, path: '/metrics', expectBody: 'unpoller_' }],
    timeoutSeconds: 120,
  },
});
