import { defineService } from '@homelab/model';

export default defineService({
  description: 'Log anomaly detector: streaming template miner over Loki, alerts to Alertmanager and Discord',
  host: 'ocean',
  category: 'monitoring',
  metrics: { port: 9105 },
  optionalSecrets: ['LAD_DISCORD_WEBHOOK'],
  health: {
    probes: [{ type: 'http', port: 9105, path: '/health', expectJson: { status: 'ok' } }],
    timeoutSeconds: 60,
  },
  dependsOn: ['loki'],
});
