import { databaseLoginProbe, defineService } from '@homelab/model';
import { grafanaFiles } from '@homelab/monitoring';

export default defineService({
  description: 'Grafana: dashboards for Prometheus and Loki, on its consolidated MySQL backend',
  host: 'ocean',
  category: 'monitoring',
  // Datasources (Prometheus, Loki, its MySQL) and dashboards (hosts, GPU, a row per service, logs).
  generated: { files: (catalog) => grafanaFiles(catalog) },
  exposure: { port: 3000, domain: 'grafana.terrac.com', access: 'admin' },
  secrets: ['GRAFANA_ADMIN_PASSWORD', 'GRAFANA_DB_PASSWORD', 'GRAFANA_DB_ROOT_PASSWORD'],
  health: {
    // Grafana is reached through the proxy only: ask its own health API from inside its container.
    // "database": "ok" means Grafana reached MySQL.
    probes: [
      { type: 'http', container: 'grafana', port: 3000, path: '/api/health', expectJson: { database: 'ok' } },
      databaseLoginProbe('grafana-db', 'grafana', 'mysql'),
    ],
    timeoutSeconds: 180,
  },
  backups: {
    volumes: ['${CONFIG_ROOT}/data', '${CONFIG_ROOT}/mysql'],
    databases: [{ service: 'grafana-db', engine: 'mysql' }],
  },
  dependsOn: ['prometheus', 'loki'],
});
