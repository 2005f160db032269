import { defineService } from '@homelab/model';

export default defineService({
  description: 'cloudflared: the Cloudflare tunnel that publishes the *.terrac.com services (Zero Trust Access in front)',
  host: 'ocean',
  category: 'infrastructure',
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
