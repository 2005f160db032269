import { defineService } from '@homelab/model';

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
      // The application's own login: its user and password (from the container's environment) open its database.
      {
        type: 'exec',
        service: 'wordpress-db',
        command: ['sh', '-c', 'MYSQL_PWD="$MARIADB_PASSWORD" mariadb -h 127.0.0.1 -u "$MARIADB_USER" --skip-column-names --batch -e "SELECT DATABASE()" "$MARIADB_DATABASE"'],
        expectOutput: '^wordpress$',
      },
    ],
    timeoutSeconds: 240,
  },
  backups: { volumes: ['${CONFIG_ROOT}/html', '${CONFIG_ROOT}/mariadb'] },
});
