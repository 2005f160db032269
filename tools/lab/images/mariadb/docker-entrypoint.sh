#!/bin/sh
# Lab stand-in for the entrypoint of the official mariadb (and mysql) image, around Debian's MariaDB:
# on an empty data directory it creates the system tables, sets the root password, and creates the
# database and the user named by MARIADB_* (or MYSQL_*) variables; then it runs the server with the
# compose command's options. Passwords go to the server through a file only it and root can read.
set -eu

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then set -- mariadbd "$@"; fi
case "$1" in
  mariadbd | mysqld) shift ;;
  *) exec "$@" ;;
esac

datadir=/var/lib/mysql
root_password=${MARIADB_ROOT_PASSWORD:-${MYSQL_ROOT_PASSWORD:-}}
database=${MARIADB_DATABASE:-${MYSQL_DATABASE:-}}
user=${MARIADB_USER:-${MYSQL_USER:-}}
password=${MARIADB_PASSWORD:-${MYSQL_PASSWORD:-}}

# A value inside single quotes in SQL: backslashes and quotes doubled.
sql_string() { printf "'%s'" "$(printf '%s' "$1" | sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/''/g")"; }

if [ ! -d "$datadir/mysql" ]; then
  if [ -z "$root_password" ]; then
    echo "lab mariadb: the database is uninitialised and MARIADB_ROOT_PASSWORD is not set" >&2
    exit 1
  fi
  echo "lab mariadb: initialising $datadir"
  mkdir -p "$datadir"
  healthcheck_password=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
  init=$(mktemp)
  chmod 600 "$init"
  {
    echo "DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost'));"
    echo "FLUSH PRIVILEGES;"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_string "$root_password");"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $(sql_string "$root_password");"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    for h in localhost 127.0.0.1 ::1; do
      echo "CREATE USER 'healthcheck'@'$h' IDENTIFIED BY '$healthcheck_password';"
      echo "GRANT USAGE ON *.* TO 'healthcheck'@'$h';"
    done
    if [ -n "$database" ]; then echo "CREATE DATABASE IF NOT EXISTS \`$database\`;"; fi
    if [ -n "$user" ] && [ -n "$password" ]; then
      echo "CREATE USER $(sql_string "$user")@'%' IDENTIFIED BY $(sql_string "$password");"
      if [ -n "$database" ]; then echo "GRANT ALL ON \`$database\`.* TO $(sql_string "$user")@'%';"; fi
    fi
  } > "$init"
  mariadb-install-db --user=root --datadir="$datadir" --skip-test-db --skip-name-resolve --force \
    --auth-root-authentication-method=normal --extra-file="$init" > /tmp/install-db.log 2>&1 \
    || { cat /tmp/install-db.log >&2; rm -f "$init"; exit 1; }
  rm -f "$init"
  printf '[client]\nuser=healthcheck\npassword=%s\nhost=127.0.0.1\n' "$healthcheck_password" > "$datadir/.my-healthcheck.cnf"
  chmod 600 "$datadir/.my-healthcheck.cnf"
  echo "lab mariadb: initialised"
fi

exec mariadbd --user=root --datadir="$datadir" --bind-address=0.0.0.0 --socket=/run/mysqld/mysqld.sock "$@"
