// The schema of an inventory: inventories/<env>/inventory.yaml plus one <host>/host.yaml per host.
import { z } from 'zod';

// A DNS host name (RFC 1123): labels of letters, digits and inner hyphens; never digits and dots only,
// so a mistyped IPv4 address (10.231.0.256, 10.231.0) is not taken for a name.
const hostName = z.string().regex(/^(?=.{1,253}$)(?![0-9.]+$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i);

const sshSchema = z
  .object({
    user: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    identityFile: z.string().min(1).optional().describe('private key; ~ and paths relative to the inventory are resolved'),
    retrySeconds: z
      .number()
      .int()
      .min(0)
      .max(600)
      .optional()
      .describe('how long a command whose connection failed (not the command itself) is retried, with backoff; 0: never'),
    session: z
      .boolean()
      .optional()
      .describe(
        "run a command's scripts one after another in one remote shell (default); false: one ssh per script, for a host whose login shell or tools cannot run the loop",
      ),
  })
  .strict();

const pathsSchema = z
  .object({
    data: z.string().startsWith('/').optional().describe('bulk data, e.g. the ZFS pool data01'),
    config: z.string().startsWith('/').optional().describe('per-service configuration and state'),
  })
  .strict();

export const hostGpuSchema = z
  .object({
    model: z.string().min(1),
    vramMiB: z.number().int().positive(),
    count: z.number().int().positive().default(1),
  })
  .strict();

const settingsShape = {
  ssh: sshSchema.optional(),
  deployRoot: z.string().startsWith('/').optional().describe('where releases live on the host'),
  paths: pathsSchema.optional(),
  uid: z.number().int().min(0).optional(),
  gid: z.number().int().min(0).optional(),
  timezone: z.string().min(1).optional(),
  logDriver: z.enum(['journald', 'json-file', 'local']).optional().describe('journald where the host runs systemd'),
  dockerHost: z.string().min(1).optional().describe('DOCKER_HOST for commands on the host (lab hosts have their own dockerd)'),
};

const targetName = z.string().regex(/^[a-z][a-z0-9-]*$/, 'use lower-case letters, digits and dashes');

export const backupTargetSchema = z
  .object({
    name: targetName.describe('tag of the target, e.g. data01 or offsite'),
    repository: z
      .string()
      .min(1)
      .describe('restic repository as the host running the backup reaches it: /data01/restic, sftp:user@host:/path, rest:https://...'),
    hosts: z.array(targetName).min(1).optional().describe('the hosts that back up here (every Docker host when absent)'),
    sftpCommand: z
      .string()
      .min(1)
      .optional()
      .describe("sftp: the ssh command restic runs (restic -o sftp.command=...), e.g. with the host's own key"),
  })
  .strict();

export const backupSettingsSchema = z
  .object({
    targets: z.array(backupTargetSchema).default([]).describe('every service is backed up to each of these'),
    passwordFile: z
      .string()
      .default('backup.vault.yaml')
      .describe('vault file (relative to the inventory) whose RESTIC_PASSWORD opens the repositories'),
    textfileDir: z
      .string()
      .startsWith('/')
      .default('/var/lib/prometheus/node-exporter')
      .describe(
        "node-exporter's textfile collector directory on each host (its compose reads /var/lib/prometheus/node-exporter): the last backup's time and size",
      ),
    check: z.string().default('weekly').describe('when `restic check` runs (systemd OnCalendar)'),
  })
  .strict();

export const inventorySchema = z
  .object({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/),
    production: z.boolean().default(false).describe('connecting needs HOMELAB_ALLOW_PRODUCTION=1 or --allow-production'),
    knownHosts: z.string().default('known_hosts').describe('known_hosts file, relative to the inventory'),
    defaults: z.object(settingsShape).strict().prefault({}),
    images: z
      .record(z.string(), z.string())
      .default({})
      .describe('upstream image -> image to run instead (a local build or a registry mirror)'),
    generateMissingSecrets: z
      .boolean()
      .default(false)
      .describe('lab only: secrets without a value get a random one, kept in generatedSecretsDir on this machine'),
    backup: backupSettingsSchema.prefault({}).describe('restic repositories, the password and the metrics of the backups'),
    generatedSecretsDir: z
      .string()
      .default('../../.lab/secrets')
      .describe(
        'where generated secrets are kept, relative to the inventory: beside the data they protect, so a database keeps its password',
      ),
  })
  .strict()
  .refine((i) => !(i.production && i.generateMissingSecrets), {
    message: 'a production inventory never generates secrets',
    path: ['generateMissingSecrets'],
  });

export const hostSchema = z
  .object({
    address: z.union([z.ipv4(), z.ipv6(), hostName], {
      error: 'an IPv4 address (192.168.1.10), an IPv6 address or a host name (ocean.home)',
    }),
    description: z.string().default(''),
    ip: z.ipv4().optional().describe('its IPv4 address, when `address` is a name (dns01.home): the generated .home zone gives it'),
    docker: z.boolean().default(true).describe('false for hosts that run no containers (Proxmox nodes)'),
    gpu: hostGpuSchema.optional(),
    ...settingsShape,
  })
  .strict();

export type InventoryFile = z.output<typeof inventorySchema>;
export type HostFile = z.output<typeof hostSchema>;

/** A host with every setting resolved: no undefined below this line. */
export interface HostSpec {
  name: string;
  inventory: string;
  production: boolean;
  address: string;
  /** The IPv4 address the .home zone gives: `ip`, else `address` when it is one. */
  ip: string | undefined;
  description: string;
  docker: boolean;
  gpu: { model: string; vramMiB: number; count: number } | undefined;
  ssh: { user: string; port: number; identityFile: string; knownHosts: string; retrySeconds: number; session: boolean };
  deployRoot: string;
  paths: { data: string; config: string };
  uid: number;
  gid: number;
  timezone: string;
  logDriver: 'journald' | 'json-file' | 'local';
  dockerHost: string | undefined;
  /** The file this host came from, for error messages. */
  file: string;
}

export interface Inventory {
  name: string;
  production: boolean;
  generateMissingSecrets: boolean;
  /** Absolute folder of the generated secrets (with generateMissingSecrets). */
  generatedSecretsDir: string;
  dir: string;
  images: Record<string, string>;
  hosts: Record<string, HostSpec>;
  /** Backup targets, with the password file resolved against the inventory folder. */
  backup: BackupSettings;
}

export type BackupTarget = z.output<typeof backupTargetSchema>;
export type BackupSettings = z.output<typeof backupSettingsSchema>;
