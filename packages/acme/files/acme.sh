#!/bin/sh
# Issues a Let's Encrypt certificate for each domain in domains.txt (DNS-01 through Cloudflare) and renews
# what is due, every 12 hours. nginx's start script enables a domain's TLS server once its certificate is
# here and reloads nginx when one is renewed.
set -u
umask 077
# The token goes from its secret file into certbot's credentials file (tmpfs) by shell builtins: it is
# never on a command line or in an environment.
{ read -r token || [ -n "$token" ]; } < /run/secrets/cloudflare_api_token
printf 'dns_cloudflare_api_token = %s\n' "$token" > /run/acme/cloudflare.ini
unset token
creds='--dns-cloudflare --dns-cloudflare-credentials /run/acme/cloudflare.ini --dns-cloudflare-propagation-seconds 30'
while :; do
  while IFS= read -r domain || [ -n "$domain" ]; do
    [ -n "$domain" ] || continue
    [ -f "/etc/letsencrypt/live/$domain/fullchain.pem" ] && continue
    # shellcheck disable=SC2086
    certbot certonly --non-interactive --agree-tos --email "$ACME_EMAIL" $creds --cert-name "$domain" -d "$domain" \
      || echo "acme: no certificate for $domain yet; tried again in 12 hours" >&2
  done < /etc/acme/domains.txt
  # shellcheck disable=SC2086
  certbot renew --non-interactive $creds || echo 'acme: renewal failed; tried again in 12 hours' >&2
  touch /run/acme/round-done
  sleep 43200
done
