import { defineService } from '@homelab/model';
import { blackboxConfig } from '@homelab/monitoring';

export default defineService({
  description: 'Blackbox exporter: asks every service its health endpoint for Prometheus (probe_success), and reads certificate expiry',
  host: 'ocean',
  category: 'monitoring',
  // blackbox.yml: one module per health probe of every service.ts (its expected status and body).
  generated: { files: (catalog) => ({ 'blackbox.yml': blackboxConfig(catalog) }) },
  metrics: { port: 9115 },
  health: {
    probes: [{ type: 'http', port: 9115, path: '/-/healthy', expectBody: 'Healthy' }],
    timeoutSeconds: 60,
  },
});
