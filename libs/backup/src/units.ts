// Pure: the systemd units that run a service's backup on its schedule, and the weekly `restic check`.
// The timer runs the same script `homelab backup run` runs, with the host's 0600 password file.
import type { BackupSpec } from './plan.ts';
import { onCalendar } from './schedule.ts';

export const backupUnitName = (service: string) => `homelab-backup-${service}`;
export const checkUnitName = 'homelab-backup-check';

/** Where the timers' scripts and password live on a host. */
export const hostBackupFiles = (deployRoot: string) => ({
  dir: `${deployRoot}/.backup`,
  password: `${deployRoot}/.backup/restic-password`,
  script: (service: string) => `${deployRoot}/.backup/backup-${service}.sh`,
  check: `${deployRoot}/.backup/check.sh`,
});

function service(description: string, script: string): string {
  return [
    '[Unit]',
    `Description=${description}`,
    'Wants=network-online.target',
    'After=network-online.target docker.service',
    '',
    '[Service]',
    'Type=oneshot',
    `ExecStart=/bin/sh ${script}`,
    // A backup is background work: it yields the disk and CPU to the services.
    'Nice=10',
    'IOSchedulingClass=idle',
    '',
  ].join('\n');
}

function timer(description: string, calendar: string): string {
  return [
    '[Unit]',
    `Description=${description}`,
    '',
    '[Timer]',
    `OnCalendar=${calendar}`,
    // A run missed while the host was off happens at the next boot.
    'Persistent=true',
    'RandomizedDelaySec=15min',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
}

// The .service and .timer of one service's backup: file name -> content.
export function backupUnits(spec: BackupSpec, deployRoot: string): Record<string, string> {
  const name = backupUnitName(spec.service);
  return {
    [`${name}.service`]: service(`homelab backup of ${spec.service} (restic)`, hostBackupFiles(deployRoot).script(spec.service)),
    [`${name}.timer`]: timer(`homelab backup of ${spec.service}, ${spec.schedule}`, onCalendar(spec.schedule)),
  };
}

// The host's `restic check` of its targets.
export function checkUnits(deployRoot: string, calendar: string): Record<string, string> {
  return {
    [`${checkUnitName}.service`]: service('homelab: restic check of the backup repositories', hostBackupFiles(deployRoot).check),
    [`${checkUnitName}.timer`]: timer('homelab: restic check of the backup repositories', onCalendar(calendar)),
  };
}
