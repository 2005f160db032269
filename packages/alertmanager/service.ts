import { defineService } from '@homelab/model';

export default defineService({
  description: 'Alertmanager: routes Prometheus and log-anomaly alerts to Discord',
  host: 'ocean',
  category: 'monitoring',
  secrets: ['DISCORD_WEBHOOK_URL'],
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
  backups: { volumes: ['${DATA_ROOT}/alertmanager'] },
});
