import { defineService } from '@homelab/model';
import { piholeRecords } from '@homelab/edge';

export default defineService({
  description: 'Pi-hole: DNS for the LAN with ad blocking; .home names from BIND 9, the rest from Cloudflare',
  host: 'dns01',
  category: 'infrastructure',
  // The .home zone's names as Pi-hole's own records (answered even while BIND 9 restarts).
  generated: { files: (catalog) => ({ '03-home-records.conf': piholeRecords(catalog) }) },
  secrets: ['PIHOLE_WEBPASSWORD'],
  health: {
    probes: [
      { type: 'http', port: 8053, path: '/admin/api.php?status', expectJson: { status: 'enabled' } },
      // What the LAN relies on: a .home name answered by Pi-hole (its records and BIND 9 come from the same
      // generated list; the address is the inventory's, so any one IPv4 address).
      {
        type: 'exec',
        service: 'pihole',
        command: ['dig', '+short', '+time=2', '+tries=1', '@127.0.0.1', 'ocean.home'],
        expectOutput: '^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$',
      },
    ],
    timeoutSeconds: 120,
  },
  backups: { volumes: ['${CONFIG_ROOT}/etc-pihole'] },
  dependsOn: ['bind9'],
});
