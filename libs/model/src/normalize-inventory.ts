// Normalize: merge an inventory's defaults into each host so the core never sees undefined.
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { HostFile, HostSpec, Inventory, InventoryFile } from './inventory-schema.ts';

export const hostDefaults = {
  ssh: { user: 'root', port: 22, identityFile: '~/.ssh/id_ed25519', retrySeconds: 60, session: true },
  deployRoot: '/opt/homelab',
  paths: { data: '/data01', config: '/opt/appdata' },
  uid: 1000,
  gid: 1000,
  timezone: 'Etc/UTC',
  logDriver: 'journald',
} as const;

// Resolves `~/x` against the home directory and relative paths against `base`.
export function resolvePath(path: string, base: string): string {
  if (path === '~' || path.startsWith('~/')) return join(homedir(), path.slice(1));
  return isAbsolute(path) ? path : resolve(base, path);
}

// Builds one host's full settings: host file over inventory defaults over built-in defaults.
export function normalizeHost(name: string, host: HostFile, inventory: InventoryFile, dir: string, file: string): HostSpec {
  const d = inventory.defaults;
  return {
    name,
    inventory: inventory.name,
    production: inventory.production,
    address: host.address,
    ip: host.ip ?? (/^(\d{1,3}\.){3}\d{1,3}$/.test(host.address) ? host.address : undefined),
    description: host.description,
    docker: host.docker,
    gpu: host.gpu,
    ssh: {
      user: host.ssh?.user ?? d.ssh?.user ?? hostDefaults.ssh.user,
      port: host.ssh?.port ?? d.ssh?.port ?? hostDefaults.ssh.port,
      identityFile: resolvePath(host.ssh?.identityFile ?? d.ssh?.identityFile ?? hostDefaults.ssh.identityFile, dir),
      knownHosts: resolvePath(inventory.knownHosts, dir),
      retrySeconds: host.ssh?.retrySeconds ?? d.ssh?.retrySeconds ?? hostDefaults.ssh.retrySeconds,
      session: host.ssh?.session ?? d.ssh?.session ?? hostDefaults.ssh.session,
    },
    deployRoot: host.deployRoot ?? d.deployRoot ?? hostDefaults.deployRoot,
    paths: {
      data: host.paths?.data ?? d.paths?.data ?? hostDefaults.paths.data,
      config: host.paths?.config ?? d.paths?.config ?? hostDefaults.paths.config,
    },
    uid: host.uid ?? d.uid ?? hostDefaults.uid,
    gid: host.gid ?? d.gid ?? hostDefaults.gid,
    timezone: host.timezone ?? d.timezone ?? hostDefaults.timezone,
    logDriver: host.logDriver ?? d.logDriver ?? hostDefaults.logDriver,
    dockerHost: host.dockerHost ?? d.dockerHost,
    file,
  };
}

export function normalizeInventory(inventory: InventoryFile, hosts: Record<string, HostSpec>, dir: string): Inventory {
  const generatedSecretsDir = resolve(dir, inventory.generatedSecretsDir);
  return {
    name: inventory.name,
    production: inventory.production,
    generateMissingSecrets: inventory.generateMissingSecrets,
    generatedSecretsDir,
    dir,
    images: inventory.images,
    hosts,
    backup: { ...inventory.backup, passwordFile: resolve(dir, inventory.backup.passwordFile) },
  };
}
