import { defineService } from '@homelab/model';

export default defineService({
  description: 'Home Assistant: smart home automation',
  host: 'ocean',
  category: 'cloud',
  exposure: { port: 8123, domain: 'ha.terrac.com', access: 'admin', websockets: true },
  health: {
    probes: [{ type: 'http', port: 8123, path: '/manifest.json', expectJson: { name: 'Home Assistant' } }],
    timeoutSeconds: 300,
  },
  backups: {
    volumes: ['${CONFIG_ROOT}/config'],
    stop: 'the recorder writes home-assistant_v2.db (SQLite) all the time: a copy taken while it runs can be torn',
  },
});
