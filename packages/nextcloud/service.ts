import { databaseLoginProbe, defineService } from '@homelab/model';

export default defineService({
  description: 'NextCloud: file sharing, with its MariaDB and Redis',
  host: 'ocean',
  category: 'cloud',
  secrets: ['NEXTCLOUD_DB_PASSWORD', 'NEXTCLOUD_DB_ROOT_PASSWORD', 'NEXTCLOUD_REDIS_PASSWORD', 'NEXTCLOUD_ADMIN_PASSWORD'],
  // Redis reads its password from this file (the image's redis user, not the host's).
  secretFiles: { NEXTCLOUD_REDIS_PASSWORD: { uid: 999 } },
  exposure: {
    port: 80,
    domain: 'nextcloud.terrac.com',
    access: 'public',
    // Uploads of large files; NextCloud's own limit is 16G.
    maxBodySize: '16g',
  },
  health: {
    probes: [
      {
        type: 'http',
        port: 8081,
        path: '/status.php',
        expectJson: { installed: true, maintenance: false, needsDbUpgrade: false },
      },
      databaseLoginProbe('nextcloud-db', 'nextcloud', 'mariadb'),
      // Redis answers PONG only once authenticated and done loading its dataset (it says NOAUTH or LOADING before).
      {
        type: 'exec',
        service: 'nextcloud-redis',
        command: ['sh', '-c', 'REDISCLI_AUTH="$(cat /run/secrets/nextcloud_redis_password)" redis-cli ping'],
        expectOutput: '^PONG$',
      },
    ],
    timeoutSeconds: 300,
  },
  backups: {
    volumes: ['${CONFIG_ROOT}/html', '${CONFIG_ROOT}/mariadb', '${DATA_ROOT}/nextcloud'],
    databases: [
      { service: 'nextcloud-db', engine: 'mariadb' },
      { service: 'nextcloud-redis', engine: 'redis' },
    ],
  },
});
