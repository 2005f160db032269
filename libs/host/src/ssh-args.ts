// Pure: the OpenSSH client argv for one host: strict host keys, key-only, one shared connection.
import type { HostSpec } from '@homelab/model';
import { createHash } from 'node:crypto';

export interface SshOptions {
  /** Directory for ControlMaster sockets (short: socket paths are limited to 108 bytes). */
  controlDir: string;
  /** Seconds the shared connection stays open after the last command. */
  persistSeconds?: number;
  connectTimeoutSeconds?: number;
}

// One socket per user@address:port, hashed to keep the path short.
export function controlPath(host: HostSpec, controlDir: string): string {
  const id = createHash('sha256').update(`${host.ssh.user}@${host.address}:${host.ssh.port}`).digest('hex').slice(0, 16);
  return `${controlDir}/${id}`;
}

export function sshArgs(host: HostSpec, options: SshOptions): string[] {
  return [
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${host.ssh.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'PasswordAuthentication=no',
    '-o',
    `ConnectTimeout=${options.connectTimeoutSeconds ?? 5}`,
    '-o',
    'ServerAliveInterval=3',
    '-o',
    'ServerAliveCountMax=2',
    '-o',
    'ControlMaster=auto',
    '-o',
    `ControlPath=${controlPath(host, options.controlDir)}`,
    '-o',
    `ControlPersist=${options.persistSeconds ?? 60}`,
    '-o',
    'LogLevel=ERROR',
    '-i',
    host.ssh.identityFile,
    '-p',
    String(host.ssh.port),
    '-l',
    host.ssh.user,
    host.address,
  ];
}

// Closes the shared connection: `ssh -O exit`.
export function sshExitArgs(host: HostSpec, options: SshOptions): string[] {
  return ['-o', `ControlPath=${controlPath(host, options.controlDir)}`, '-O', 'exit', host.address];
}
