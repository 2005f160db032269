#!/bin/sh
# Lab stand-in for Pi-hole's DNS side (its FTL is dnsmasq), around Debian's dnsmasq: the package's
# /etc/dnsmasq.d files, the upstreams of PIHOLE_DNS_ ("1.1.1.1;1.0.0.1"), and pi.hole answered
# locally as Pi-hole does (its compose healthcheck asks for it). No web interface or blocklists.
set -eu
upstreams=""
old_ifs=$IFS
IFS=';'
for server in ${PIHOLE_DNS_:-}; do upstreams="$upstreams --server=$server"; done
IFS=$old_ifs
# shellcheck disable=SC2086 # one --server option per upstream
exec dnsmasq --keep-in-foreground --log-facility=- --user=root --pid-file --no-resolv --no-hosts \
  --conf-dir=/etc/dnsmasq.d/,*.conf --host-record=pi.hole,127.0.0.1 $upstreams
