// Pure: the commands that dump a database inside its container and load it back. Passwords come from
// the container's own environment or secret files ("$VAR" inside sh -c), never from a command line.
import type { Engine } from './plan.ts';

// A consistent dump on stdout: one transaction (InnoDB), one snapshot (PostgreSQL), or Redis's RDB
// snapshot over its protocol.
export function dumpCommand(engine: Engine): string[] {
  switch (engine) {
    case 'mariadb':
      return [
        'sh',
        '-c',
        'MYSQL_PWD="$MARIADB_ROOT_PASSWORD" exec mariadb-dump -u root --single-transaction --routines --events --add-drop-database --databases "$MARIADB_DATABASE"',
      ];
    case 'mysql':
      return [
        'sh',
        '-c',
        'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mysqldump -u root --single-transaction --routines --events --add-drop-database --databases "$MYSQL_DATABASE"',
      ];
    case 'postgres':
      // pg_dump reads one snapshot of the database; --clean --if-exists makes the dump drop and recreate
      // its objects when loaded back into the same database.
      return ['sh', '-c', `${postgresAuth}exec pg_dump -U "$u" --clean --if-exists --no-owner "$d"`];
    case 'redis':
      return ['sh', '-c', `${redisAuth}exec redis-cli --rdb -`];
  }
}

// PostgreSQL's user, database and password as the official image takes them (POSTGRES_PASSWORD or
// POSTGRES_PASSWORD_FILE); the password reaches pg_dump and psql through their environment.
const postgresAuth =
  'u="${POSTGRES_USER:-postgres}"; d="${POSTGRES_DB:-$u}"; [ -z "${POSTGRES_PASSWORD_FILE:-}" ] || POSTGRES_PASSWORD=$(cat "$POSTGRES_PASSWORD_FILE"); [ -z "${POSTGRES_PASSWORD:-}" ] || export PGPASSWORD="$POSTGRES_PASSWORD"; ';

// Redis's password from the container: REDIS_PASSWORD, or a secret file whose name says redis and password.
const redisAuth =
  'for f in /run/secrets/*; do case "$f" in *redis*password*) REDISCLI_AUTH=$(cat "$f"); export REDISCLI_AUTH ;; esac; done; [ -z "${REDIS_PASSWORD:-}" ] || export REDISCLI_AUTH="$REDIS_PASSWORD"; ';

// Loads a dump from stdin (SQL; the dump drops and recreates its database). Redis is restored by
// copying the RDB file into its data folder before it starts, not by a command.
export function loadCommand(engine: Exclude<Engine, 'redis'>): string[] {
  switch (engine) {
    case 'mariadb':
      return ['sh', '-c', 'MYSQL_PWD="$MARIADB_ROOT_PASSWORD" exec mariadb -u root'];
    case 'mysql':
      return ['sh', '-c', 'MYSQL_PWD="$MYSQL_ROOT_PASSWORD" exec mysql -u root'];
    case 'postgres':
      return ['sh', '-c', `${postgresAuth}exec psql -q -v ON_ERROR_STOP=1 -U "$u" -d "$d"`];
  }
}
