import { databaseLoginProbe, defineService } from '@homelab/model';

export default defineService({
  description: 'WordPress: the blog, with its own MariaDB',
  host: 'ocean',
  category: 'cloud',
  secrets: ['WORDPRESS_DB_PASSWORD', 'WORDPRESS_DB_ROOT_PASSWORD'],
  exposure: { port: 80, access: 'public' },
  health: {
    probes: [
      {
        type: 'http',
        port: 8082,
        path: '/wp-json/',
        expectBody: '"namespaces":\\s*\\[[^\\]]*"wp\\\\?/v2"',
      },
      databaseLoginProbe('wordpress-db', 'wordpress', 'mariadb'),
    ],
    timeoutSeconds: 240,
  },
  backups: {
    volumes: ['${CONFIG_ROOT}/html', '${CONFIG_ROOT}/mariadb'],
    databases: [{ service: 'wordpress-db', engine: 'mariadb' }],
  },
});
