import { defineService } from '@homelab/model';

export default defineService({
  description: 'Pi-hole: DNS for the LAN with ad blocking, forwarding to BIND9',
  host: 'dns01',
  category: 'infrastructure',
  secrets: ['PIHOLE_WEBPASSWORD'],
  health: {
    probes: [
      { type: 'http', port: 8053, path: '/admin/api.php?status', expectJson: { status: 'enabled' } },
      { type: 'tcp', port: 53 },
    ],
    timeoutSeconds: 120,
  },
  backups: { volumes: ['${CONFIG_ROOT}/etc-pihole'] },
  dependsOn: ['bind9'],
});
