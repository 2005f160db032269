import { defineService } from '@homelab/model';

export default defineService({
  description: 'Alertmanager: routes Prometheus and log-anomaly alerts to Discord',
  host: 'ocean',
  category: 'monitoring',
  secrets: ['DISCORD_WEBHOOK_URL'],
  // Read by the container's user, nobody (not the host's user).
  secretFiles: { DISCORD_WEBHOOK_URL: { uid: 65534 } },
  health: {
    probes: [
      { type: 'http', port: 9093, path: '/-/healthy', expectBody: '^OK' },
      {
        type: 'http',
        port: 9093,
        path: '/api/v2/status',
        expectJson: { 'cluster.status': 'ready' },
      },
    ],
    timeoutSeconds: 60,
  },
  backups: { volumes: ['alertmanager-data'] },
});
