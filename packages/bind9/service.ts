import { defineService } from '@homelab/model';
import { zoneFile } from '@homelab/edge';

export default defineService({
  description: 'BIND9: authoritative DNS for the .home zone (Pi-hole forwards to it)',
  host: 'dns01',
  category: 'infrastructure',
  // db.home from the inventory's hosts and every exposed service (at nginx's host); its serial comes from its content.
  generated: { files: (catalog) => ({ 'db.home': zoneFile(catalog) }) },
  health: {
    probes: [
      {
        type: 'http',
        port: 8054,
        path: '/json/v1/zones',
        expectBody: '"name":\\s*"home",[\\s\\S]*?"serial":\\s*\\d+',
      },
      { type: 'tcp', port: 5300 },
    ],
    timeoutSeconds: 60,
  },
});
