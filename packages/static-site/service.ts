import { defineService } from '@homelab/model';

export default defineService({
  description: 'A static HTTP server on a locally built busybox image: the smallest real service the lab runs',
  host: 'ocean',
  // A demo of the lab's own image (lab/busybox): it exists only in the lab, never in production.
  inventories: ['lab'],
  category: 'lab',
  // A public domain in the lab: nginx serves it over TLS with a certificate of the lab's CA.
  exposure: { port: 8088, domain: 'lab.terrac.com', access: 'public' },
  health: {
    probes: [
      { type: 'http', port: 8088, path: '/health', expectBody: '^ok ' },
      { type: 'container', service: 'static-site' },
    ],
    timeoutSeconds: 60,
  },
  backups: { volumes: ['site'] },
});
