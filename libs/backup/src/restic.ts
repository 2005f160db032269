// Pure: restic's argv for each job. Nothing here runs; the password never appears (RESTIC_PASSWORD_FILE).
import type { BackupTarget } from '@homelab/model';
import type { BackupSpec } from './plan.ts';

// restic with the repository (and, for sftp:, the ssh command the host runs).
export function restic(target: BackupTarget, ...args: string[]): string[] {
  return ['restic', '-r', target.repository, ...(target.sftpCommand ? ['-o', `sftp.command=${target.sftpCommand}`] : []), ...args];
}

const tagFlags = (tags: string[]) => tags.flatMap((t) => ['--tag', t]);

// One snapshot of the service's files and dumps (the paths are appended by the script: volumes are
// resolved on the host), tagged by service and host, under the inventory's host name.
export function backupArgs(spec: BackupSpec, target: BackupTarget): string[] {
  return restic(target, 'backup', '--json', '--quiet', '--host', spec.host, ...tagFlags(spec.tags));
}

// Retention: the declared last/daily/weekly/monthly keeps, per service and host (JSON: what it removed).
export function forgetArgs(spec: BackupSpec, target: BackupTarget): string[] {
  const { last, daily, weekly, monthly } = spec.keep;
  return restic(
    target,
    'forget',
    '--json',
    '--host',
    spec.host,
    '--tag',
    `service:${spec.service}`,
    '--group-by',
    'host,tags',
    '--keep-last',
    String(last),
    '--keep-daily',
    String(daily),
    '--keep-weekly',
    String(weekly),
    '--keep-monthly',
    String(monthly),
  );
}

export function snapshotsArgs(target: BackupTarget, service?: string): string[] {
  return restic(target, 'snapshots', '--json', ...(service ? ['--tag', `service:${service}`] : []));
}

// `restic check`: the repository's structure (and, with a subset, a sample of the data).
export function checkArgs(target: BackupTarget, readDataSubset?: string): string[] {
  return restic(target, 'check', ...(readDataSubset ? ['--read-data-subset', readDataSubset] : []));
}

// A snapshot into `dir`: by id, or the newest of this service on this host ("latest").
export function restoreArgs(target: BackupTarget, snapshot: string, dir: string, host: string, service: string): string[] {
  const filter = snapshot === 'latest' ? ['--host', host, '--tag', `service:${service}`] : [];
  return restic(target, 'restore', snapshot, '--target', dir, ...filter);
}

// The data no snapshot needs any more; run only after forget removed a snapshot (it reads every pack).
export const pruneArgs = (target: BackupTarget) => restic(target, 'prune', '--quiet');
export const catConfigArgs = (target: BackupTarget) => restic(target, 'cat', 'config');
export const initArgs = (target: BackupTarget) => restic(target, 'init');
