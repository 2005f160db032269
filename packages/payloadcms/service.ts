import { defineService } from '@homelab/model';

// PayloadCMS, built from the user's application source (compose.yaml, files/Dockerfile), with its own
// PostgreSQL. The roadmap gives it no URL: internal only (payloadcms.home through the proxy), no
// domain and no Access policy. Secrets: `echo -n VALUE | npx homelab vault set payloadcms <NAME>`;
// they live encrypted in packages/payloadcms/secrets.vault.yaml.
// The application's schema: Payload pushes it to PostgreSQL in development only; in production the
// source must carry its migrations and run them at start (`prodMigrations` of its postgresAdapter,
// Payload's "Migrations" documentation), and its pages that query Payload must be dynamic, since the
// image is built without a database (files/Dockerfile).
export default defineService({
  description: 'PayloadCMS: headless CMS from the user source, with its own PostgreSQL',
  host: 'ocean',
  category: 'cloud',
  secrets: ['PAYLOAD_DB_PASSWORD', 'PAYLOAD_SECRET'],
  exposure: { port: 3000, access: 'none', maxBodySize: '200m' },
  health: {
    probes: [
      // Payload's REST "Me" operation of the users collection (payloadcms.com/docs, "Authentication
      // Operations"): 200 with the user, null without a token, once the app and its database are up.
      { type: 'http', port: 3010, path: '/api/users/me', expectBody: '^\\{"user":' },
      // It answers without touching the database (measured: 200 on an empty one), so also Payload's
      // auth `init` endpoint (its admin panel's "is there a first user" request; payload's
      // auth/endpoints/init), which reads the users table: {"initialized":true|false}, 500 without it.
      { type: 'http', port: 3010, path: '/api/users/init', expectBody: '^\\{"initialized":(true|false)\\}$' },
      // A query over TCP as the application's own user, with its password, must name its database.
      {
        type: 'exec',
        service: 'payloadcms-db',
        command: [
          'sh',
          '-c',
          'PGPASSWORD="$POSTGRES_PASSWORD" psql -h 127.0.0.1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -tAc "select current_database()"',
        ],
        expectOutput: '^payload\\s*$',
      },
    ],
    timeoutSeconds: 300,
  },
  backups: {
    // The uploads, and the database as a pg_dump taken inside payloadcms-db (never its live files).
    volumes: ['${DATA_ROOT}/payloadcms/media', '${DATA_ROOT}/payloadcms/postgres'],
    databases: [{ service: 'payloadcms-db', engine: 'postgres' }],
  },
});
