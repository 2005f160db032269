import { defineService } from '@homelab/model';
import { backupAlertRules } from '@homelab/backup';
import { alertRuleFiles, prometheusConfig, prometheusOptionsFor, ruleFile, ruleOptionsFor, ruleTests } from '@homelab/monitoring';

export default defineService({
  description: 'Prometheus: metrics collection with node-exporter and NVIDIA DCGM',
  host: 'ocean',
  category: 'monitoring',
  // prometheus.yml from every service's metrics and health probes (addressed from the inventory), the alert
  // rules, and their promtool unit tests (validate runs them).
  generated: {
    files: (catalog) => ({
      'prometheus.yml': prometheusConfig(catalog, prometheusOptionsFor(catalog.inventory)),
      ...alertRuleFiles(ruleOptionsFor(catalog.inventory)),
      // A backup too old or never made, per service with backups (libs/backup).
      'rules/backups.yml': ruleFile(backupAlertRules(catalog.services)),
      'rules-tests/rules.test.yml': ruleTests('../rules', ruleOptionsFor(catalog.inventory)),
    }),
  },
  metrics: { port: 9090 },
  exposure: { port: 9090, access: 'none' },
  health: {
    probes: [
      { type: 'http', port: 9090, path: '/-/healthy', expectBody: 'Prometheus (Server )?is Healthy' },
      { type: 'http', port: 9090, path: '/-/ready', expectBody: 'Prometheus (Server )?is Ready' },
    ],
    timeoutSeconds: 120,
  },
  backups: { volumes: ['${DATA_ROOT}/prometheus'] },
});
