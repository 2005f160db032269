import { defineService } from '@homelab/model';

export default defineService({
  description: 'BIND9: authoritative DNS for the .home zone (Pi-hole forwards to it)',
  host: 'dns01',
  category: 'infrastructure',
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
