import { defineService } from '@homelab/model';
import { alertmanagerConfig, alertmanagerOptionsFor } from '@homelab/monitoring';

export default defineService({
  description: 'Alertmanager: routes Prometheus and log-anomaly alerts to Discord, Slack and email',
  host: 'ocean',
  category: 'monitoring',
  // Routes, receivers (Discord; Slack and email for critical alerts) and inhibition: libs/monitoring.
  generated: { files: (catalog) => ({ 'alertmanager.yml.tmpl': alertmanagerConfig(alertmanagerOptionsFor(catalog.inventory)) }) },
  metrics: { port: 9093 },
  secrets: ['DISCORD_WEBHOOK_URL', 'SLACK_WEBHOOK_URL', 'SMTP_PASSWORD'],
  // Read by the container's user, nobody (not the host's user).
  secretFiles: { DISCORD_WEBHOOK_URL: { uid: 65534 }, SLACK_WEBHOOK_URL: { uid: 65534 }, SMTP_PASSWORD: { uid: 65534 } },
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
