import { defineService } from '@homelab/model';

export default defineService({
  description: 'Home Assistant: smart home automation',
  host: 'ocean',
  category: 'cloud',
  exposure: { port: 8123, domain: 'ha.terrac.com', access: 'admin' },
  health: {
    probes: [{ type: 'http', port: 8123, path: '/manifest.json', expectJson: { name: 'Home Assistant' } }],
    timeoutSeconds: 300,
  },
  backups: { volumes: ['${CONFIG_ROOT}/config'] },
});
