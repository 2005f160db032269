import { defineService } from '@homelab/model';

export default defineService({
  description: 'Grafana: dashboards for Prometheus and Loki',
  host: 'ocean',
  category: 'monitoring',
  exposure: { port: 3000, domain: 'grafana.terrac.com', internalUrl: 'http://grafana.home', access: 'admin' },
  secrets: ['GRAFANA_ADMIN_PASSWORD'],
  health: {
    // Grafana is reached through the proxy only: ask its own health API from inside its container.
    probes: [{ type: 'http', container: 'grafana', port: 3000, path: '/api/health', expectJson: { database: 'ok' } }],
    timeoutSeconds: 120,
  },
  backups: { volumes: ['${CONFIG_ROOT}/data'] },
  dependsOn: ['prometheus', 'loki'],
});
