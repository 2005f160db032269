// Installs what the lab needs and is missing: Debian packages, and the Compose v2 plugin from Debian 13.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';

/** Binaries the lab runs, and the Debian package that brings each. */
export const requiredBinaries: Record<string, string> = {
  dockerd: 'docker.io',
  busybox: 'busybox-static',
  sshd: 'openssh-server',
  ip: 'iproute2',
  nsenter: 'util-linux',
  prometheus: 'prometheus',
  'prometheus-alertmanager': 'prometheus-alertmanager',
  'prometheus-node-exporter': 'prometheus-node-exporter',
  'prometheus-blackbox-exporter': 'prometheus-blackbox-exporter',
  openssl: 'openssl',
  nginx: 'nginx-light',
  named: 'bind9',
  'rndc-confgen': 'bind9-utils',
};

const binDirs = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function missingPackages(): string[] {
  const missing = Object.entries(requiredBinaries).filter(([bin]) => !binDirs.some((d) => existsSync(join(d, bin))));
  return [...new Set(missing.map(([, pkg]) => pkg))];
}

export async function installPackages(log: (line: string) => void): Promise<void> {
  const missing = missingPackages();
  if (missing.length === 0) return;
  log(`installing Debian packages: ${missing.join(' ')}`);
  await $`apt-get update -q`.quiet();
  await $({ env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })`apt-get install -y -q --no-install-recommends ${missing}`.quiet();
}

export const composePluginPath = join(homedir(), '.docker', 'cli-plugins', 'docker-compose');

// Debian 12 has no Compose v2; Debian 13's package carries it and runs here. The machine's apt sources stay untouched.
export async function installComposePlugin(log: (line: string) => void): Promise<void> {
  if ((await $`docker compose version`.quiet().nothrow()).exitCode === 0) return;
  log('installing the Docker Compose v2 plugin from the Debian 13 (trixie) package');
  const tmp = mkdtempSync(join(tmpdir(), 'homelab-compose-'));
  try {
    mkdirSync(join(tmp, 'lists', 'partial'), { recursive: true });
    writeFileSync(join(tmp, 'trixie.list'), 'deb http://deb.debian.org/debian trixie main\n');
    const apt = [
      '-o',
      `Dir::Etc::sourcelist=${join(tmp, 'trixie.list')}`,
      '-o',
      'Dir::Etc::sourceparts=-',
      '-o',
      `Dir::State::Lists=${join(tmp, 'lists')}`,
    ];
    await $`apt-get ${apt} update -q`.quiet();
    await $({ cwd: tmp })`apt-get ${apt} download docker-compose`.quiet();
    const deb = readdirSync(tmp).find((f) => f.startsWith('docker-compose_') && f.endsWith('.deb'));
    if (!deb) throw new Error('apt-get download docker-compose produced no .deb');
    await $`dpkg -x ${join(tmp, deb)} ${join(tmp, 'x')}`;
    await $`install -D ${join(tmp, 'x/usr/libexec/docker/cli-plugins/docker-compose')} ${composePluginPath}`;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
