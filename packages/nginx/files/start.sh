#!/bin/sh
# Starts nginx with the TLS server of each public domain whose certificate exists (files/tls.d/<domain>.conf,
# certificates from the acme service under /etc/nginx/certs/live/<domain>/), and reloads it when a
# certificate appears or is renewed (looked for every minute). nginx reads certificates as root, at start
# and at reload: a domain whose certificate is not issued yet is left out instead of stopping nginx.
set -eu
enabled=/tmp/nginx-tls
stamp=/tmp/nginx-tls.stamp

enable() {
  rm -rf "$enabled.new"
  mkdir -p "$enabled.new"
  for conf in /etc/nginx/tls.d/*.conf; do
    [ -e "$conf" ] || continue
    domain=$(basename "$conf" .conf)
    if [ -s "/etc/nginx/certs/live/$domain/fullchain.pem" ] && [ -s "/etc/nginx/certs/live/$domain/privkey.pem" ]; then
      cp "$conf" "$enabled.new/"
    else
      echo "nginx: no certificate for $domain yet: its TLS server waits for it" >&2
    fi
  done
  rm -rf "$enabled"
  mv "$enabled.new" "$enabled"
}

enable
touch "$stamp"
(
  while sleep 60; do
    if [ -n "$(find -L /etc/nginx/certs/live -name fullchain.pem -newer "$stamp" 2>/dev/null)" ]; then
      touch "$stamp"
      enable
      nginx -s reload
    fi
  done
) &
exec nginx -g 'daemon off;'
