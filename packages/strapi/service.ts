import { databaseLoginProbe, defineService } from '@homelab/model';

// Strapi, built from the user's application source (compose.yaml, files/Dockerfile). The roadmap
// gives it no URL: internal only (strapi.home through the proxy), no domain and no Access policy.
// Secrets: `echo -n VALUE | npx homelab vault set strapi <NAME>` for each name below (APP_KEYS is a
// comma-separated list of keys); they live encrypted in packages/strapi/secrets.vault.yaml.
export default defineService({
  description: 'Strapi: headless CMS from the user source, with its own MariaDB',
  host: 'ocean',
  category: 'cloud',
  secrets: [
    'STRAPI_DB_PASSWORD',
    'STRAPI_DB_ROOT_PASSWORD',
    'STRAPI_APP_KEYS',
    'STRAPI_API_TOKEN_SALT',
    'STRAPI_ADMIN_JWT_SECRET',
    'STRAPI_TRANSFER_TOKEN_SALT',
    'STRAPI_JWT_SECRET',
    'STRAPI_ENCRYPTION_KEY',
  ],
  exposure: { port: 1337, access: 'none', maxBodySize: '200m' },
  health: {
    probes: [
      // Strapi's health route: 204 No Content when the server is up (docs.strapi.io, "Health check").
      { type: 'http', port: 1337, path: '/_health', expectStatus: [204] },
      databaseLoginProbe('strapi-db', 'strapi', 'mariadb'),
    ],
    timeoutSeconds: 300,
  },
  backups: {
    volumes: ['${DATA_ROOT}/strapi/uploads', '${DATA_ROOT}/strapi/mariadb'],
    databases: [{ service: 'strapi-db', engine: 'mariadb' }],
  },
});
