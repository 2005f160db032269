import { publicDomains } from '@homelab/edge';
import { defineService } from '@homelab/model';

export default defineService({
  description:
    "acme: Let's Encrypt certificates for every public domain by DNS-01 through Cloudflare, renewed twice a day (nginx reads them)",
  host: 'ocean',
  category: 'infrastructure',
  // domains.txt: every exposure.domain of the catalog; a new domain gets its certificate at the next round.
  generated: { files: (catalog) => ({ 'domains.txt': `${publicDomains(catalog).join('\n')}\n` }) },
  secrets: ['CLOUDFLARE_API_TOKEN'],
  // Read by certbot (root in its container); the token needs Zone:DNS:Edit on terrac.com only.
  secretFiles: { CLOUDFLARE_API_TOKEN: { uid: 0 } },
  health: {
    // The loop has finished a round (issue what is missing, renew what is due).
    probes: [{ type: 'container', service: 'acme' }],
    timeoutSeconds: 600,
  },
  backups: { volumes: ['${CONFIG_ROOT}/letsencrypt'] },
});
