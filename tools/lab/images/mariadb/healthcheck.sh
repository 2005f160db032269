#!/bin/sh
# Lab stand-in for the official mariadb image's healthcheck.sh: the checks the catalog uses.
#   --connect              the server accepts a login over TCP
#   --innodb_initialized   InnoDB has finished starting
set -eu
client() { mariadb --defaults-extra-file=/var/lib/mysql/.my-healthcheck.cnf --skip-column-names --batch "$@"; }
[ "$#" -gt 0 ] || set -- --connect
for check in "$@"; do
  case "$check" in
    --connect) client -e 'SELECT 1' > /dev/null ;;
    --innodb_initialized)
      [ "$(client -e "SELECT 1 FROM information_schema.ENGINES WHERE engine = 'InnoDB' AND support IN ('YES', 'DEFAULT', 'ENABLED')")" = 1 ] ;;
    --su-mysql | --no-defaults) ;;
    *) echo "healthcheck.sh: unknown check $check" >&2; exit 2 ;;
  esac
done
