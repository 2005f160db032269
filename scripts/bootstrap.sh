#!/usr/bin/env bash
# Installs everything this repository needs on a fresh Debian 12 machine: Debian packages (Docker
# engine, sshd, busybox for lab images, the reference tools) and the npm dependencies (Node 22 comes
# from the `node` npm package). The Compose v2 plugin is installed by the lab tool (`homelab lab up`)
# and by the first step below. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(docker.io busybox-static openssh-server openssh-client iproute2 util-linux git ca-certificates
          ansible-core restic prometheus prometheus-alertmanager prometheus-node-exporter prometheus-blackbox-exporter nginx-light bind9 bind9-utils
          redis-server redis-tools mariadb-server mariadb-client dnsmasq-base bind9-dnsutils openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  apt-get update -q
  # Packages are for the lab images and the tests: their services are not started on this machine.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || { rm -f /usr/sbin/policy-rc.d; exit 1; }
  rm -f /usr/sbin/policy-rc.d
fi

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci"
  npm ci --no-audit --no-fund
fi

# The Compose v2 plugin (Debian 13's package; Debian 12 has none).
if ! docker compose version >/dev/null 2>&1; then
  npx tsx -e "import('@homelab/lab').then((l) => l.installComposePlugin(console.log))"
fi
