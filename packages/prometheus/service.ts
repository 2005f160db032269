import { defineService } from '@homelab/model';

export default defineService({
  description: 'Prometheus: metrics collection with node-exporter and NVIDIA DCGM',
  host: 'ocean',
  category: 'monitoring',
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
