import { defineService } from '@homelab/model';

export default defineService({
  description: 'Cloudflare DDNS: keeps home.terrac.com pointing at the home IP',
  host: 'ocean',
  category: 'infrastructure',
  secrets: ['CLOUDFLARE_API_TOKEN'],
  healthcheckExemptions: {
    'cloudflare-ddns': 'a static binary without a shell or an HTTP port; it exits on fatal errors and restarts',
  },
  health: { probes: [{ type: 'container', service: 'cloudflare-ddns' }], timeoutSeconds: 60 },
});
