import { defineService } from '@homelab/model';
import { tunnelConfig } from '@homelab/edge';

export default defineService({
  description: 'cloudflared: the Cloudflare tunnel that publishes the *.terrac.com services (Zero Trust Access in front)',
  host: 'ocean',
  category: 'infrastructure',
  // The tunnel's ingress, locally managed: every exposure.domain to nginx over TLS. (A tunnel created in the
  // dashboard is remotely managed and ignores it: create it with `cloudflared tunnel create`.)
  generated: { files: (catalog) => ({ 'config.yml': tunnelConfig(catalog, { origin: 'https://nginx:443' }) }) },
  secrets: ['CLOUDFLARE_TUNNEL_TOKEN'],
  health: {
    probes: [
      {
        type: 'http',
        port: 2000,
        path: '/ready',
        container: 'cloudflared',
        expectJson: { status: 200 },
      },
    ],
    timeoutSeconds: 120,
  },
  dependsOn: ['nginx'],
});
