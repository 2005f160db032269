import { defineService } from '@homelab/model';

export default defineService({
  description: 'Prometheus node exporter: host metrics of ocean',
  host: 'ocean',
  category: 'monitoring',
  metrics: { port: 9100 },
  health: {
    probes: [
      {
        type: 'http',
        port: 9100,
        path: '/metrics',
        expectBody: '^# HELP [\\s\\S]*node_exporter_build_info\\{',
      },
    ],
    timeoutSeconds: 60,
  },
});
