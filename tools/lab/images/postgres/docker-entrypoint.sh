#!/bin/sh
# Lab stand-in for the official postgres image's entrypoint, on Debian's PostgreSQL: the same
# variables (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, PGDATA). A new data folder is initialised
# with the user (password from the environment through a private file, never a command line) and the
# database; connections over TCP need the password (scram-sha-256), as with the official image.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
export PGDATA
[ "${1:-postgres}" = postgres ] || exec "$@"
mkdir -p "$PGDATA" /var/run/postgresql
chown -R postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" > "$pwfile"
  chown postgres "$pwfile"
  su -s /bin/sh postgres -c "initdb -D \"\$PGDATA\" -U \"\$POSTGRES_USER\" --pwfile=$pwfile --auth-local=trust --auth-host=scram-sha-256 >/dev/null"
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo 'host all all all scram-sha-256' >> "$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    echo "CREATE DATABASE \"$POSTGRES_DB\";" | su -s /bin/sh postgres -c 'postgres --single -D "$PGDATA" -j postgres >/dev/null'
  fi
  echo "initialised $PGDATA: user $POSTGRES_USER, database $POSTGRES_DB"
fi
exec su -s /bin/sh postgres -c 'exec postgres -D "$PGDATA"'
