import { defineService } from '@homelab/model';

export default defineService({
  description: 'Pi-hole: DNS for the LAN with ad blocking; .home names from BIND 9, the rest from Cloudflare',
  host: 'dns01',
  category: 'infrastructure',
  secrets: ['PIHOLE_WEBPASSWORD'],
  health: {
    probes: [
      { type: 'http', port: 8053, path: '/admin/api.php?status', expectJson: { status: 'enabled' } },
      // What the LAN relies on: a .home name answered through Pi-hole from BIND 9 on this host.
      {
        type: 'exec',
        service: 'pihole',
        command: ['dig', '+short', '+time=2', '+tries=1', '@127.0.0.1', 'ocean.home'],
        expectOutput: '^192\\.168\\.1\\.143$',
      },
    ],
    timeoutSeconds: 120,
  },
  backups: { volumes: ['${CONFIG_ROOT}/etc-pihole'] },
  dependsOn: ['bind9'],
});
