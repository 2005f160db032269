import { defineService } from '@homelab/model';

export default defineService({
  description: 'Grafana: dashboards for Prometheus and Loki, on its consolidated MySQL backend',
  host: 'ocean',
  category: 'monitoring',
  exposure: { port: 3000, domain: 'grafana.terrac.com', internalUrl: 'http://grafana.home', access: 'admin' },
  secrets: ['GRAFANA_ADMIN_PASSWORD', 'GRAFANA_DB_PASSWORD', 'GRAFANA_DB_ROOT_PASSWORD'],
  health: {
    // Grafana is reached through the proxy only: ask its own health API from inside its container.
    // "database": "ok" means Grafana reached MySQL.
    probes: [
      { type: 'http', container: 'grafana', port: 3000, path: '/api/health', expectJson: { database: 'ok' } },
      // The application's own login: its user and password (from the container's environment) open its database.
      {
        type: 'exec',
        service: 'grafana-db',
        command: ['sh', '-c', 'MYSQL_PWD="$MYSQL_PASSWORD" mysql -h 127.0.0.1 -u "$MYSQL_USER" --skip-column-names --batch -e "SELECT DATABASE()" "$MYSQL_DATABASE"'],
        expectOutput: '^grafana$',
      },
    ],
    timeoutSeconds: 180,
  },
  backups: { volumes: ['${CONFIG_ROOT}/data', '${CONFIG_ROOT}/mysql'] },
  dependsOn: ['prometheus', 'loki'],
});
