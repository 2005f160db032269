import { defineService } from '@homelab/model';

export default defineService({
  description: 'Grafana Loki: log aggregation fed by Promtail',
  host: 'ocean',
  category: 'monitoring',
  metrics: { port: 3100 },
  health: {
    probes: [{ type: 'http', port: 3100, path: '/ready', expectBody: '^ready' }],
    timeoutSeconds: 180,
  },
  backups: { volumes: ['${DATA_ROOT}/loki'] },
});
