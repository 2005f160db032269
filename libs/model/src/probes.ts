// Health probes that several packages share, for service.ts files.
import type { z } from 'zod';
import type { probeSchema } from './service-schema.ts';

// A MariaDB or MySQL container checked as its application uses it: the user and password named by
// the image's own variables (MARIADB_* or MYSQL_*, read in the container) must open the database.
export function databaseLoginProbe(service: string, database: string, image: 'mariadb' | 'mysql'): z.input<typeof probeSchema> {
  const v = image === 'mariadb' ? 'MARIADB' : 'MYSQL';
  return {
    type: 'exec',
    service,
    command: [
      'sh',
      '-c',
      `MYSQL_PWD="$${v}_PASSWORD" ${image} -h 127.0.0.1 -u "$${v}_USER" --skip-column-names --batch -e "SELECT DATABASE()" "$${v}_DATABASE"`,
    ],
    expectOutput: `^${database.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`,
  };
}
