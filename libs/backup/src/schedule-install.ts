// The timers on a host: its scripts (the same backup script `homelab backup run` runs, reading the
// host's own 0600 password file), its units, enabled where the host runs systemd. Pure builders, then
// one script that writes every file from stdin (the password included: never on a command line).
import { quote } from '@homelab/host';
import type { HostSpec, Inventory } from '@homelab/model';
import type { BackupSpec } from './plan.ts';
import { checkedTargets } from './plan.ts';
import { maxAgeSeconds } from './schedule.ts';
import { backupScript, checkScript } from './scripts.ts';
import { backupUnits, checkUnitName, checkUnits, hostBackupFiles } from './units.ts';

export interface HostFile {
  path: string;
  content: string;
  mode: string;
}

// Pure: every file the host's backup timers need, and the timers to enable.
export function scheduleFiles(
  specs: BackupSpec[],
  host: HostSpec,
  inventory: Inventory,
  password: string,
): { files: HostFile[]; timers: string[] } {
  const at = hostBackupFiles(host.deployRoot);
  const source = { file: at.password };
  const files: HostFile[] = [{ path: at.password, content: password, mode: '600' }];
  const timers: string[] = [];
  const units = (u: Record<string, string>) => {
    for (const [name, content] of Object.entries(u)) {
      files.push({ path: `${at.dir}/units/${name}`, content, mode: '644' });
      if (name.endsWith('.timer')) timers.push(name);
    }
  };
  for (const spec of specs) {
    files.push({
      path: at.script(spec.service),
      content: `${backupScript(spec, source, inventory.backup.textfileDir, maxAgeSeconds(spec.schedule))}\n`,
      mode: '700',
    });
    units(backupUnits(spec, host.deployRoot));
  }
  const checked = checkedTargets(inventory, host.name);
  if (checked.length) {
    files.push({ path: at.check, content: `${checkScript(checked, source)}\n`, mode: '700' });
    units(checkUnits(host.deployRoot, inventory.backup.check));
  }
  return {
    files,
    timers: timers.sort((a, b) => Number(a.startsWith(checkUnitName)) - Number(b.startsWith(checkUnitName)) || a.localeCompare(b)),
  };
}

// One script: each file from stdin in order (exactly its bytes, private until renamed), then, where
// systemd runs, the units installed and the timers enabled and started. Prints --systemd-- or --no-systemd--.
export function installScheduleScript(files: HostFile[], timers: string[]): string {
  const dir = files[0]!.path.slice(0, files[0]!.path.lastIndexOf('/'));
  const lines = ['set -eu', 'umask 077', `mkdir -p ${quote(dir)}/units`];
  for (const f of files) {
    const bytes = Buffer.byteLength(f.content);
    lines.push(
      `head -c ${bytes} > ${quote(`${f.path}.tmp`)}`,
      `[ "$(wc -c < ${quote(`${f.path}.tmp`)})" -eq ${bytes} ]`,
      `chmod ${f.mode} ${quote(`${f.path}.tmp`)} && mv -f ${quote(`${f.path}.tmp`)} ${quote(f.path)}`,
    );
  }
  lines.push(
    'if [ -d /run/systemd/system ]; then',
    `  cp ${quote(dir)}/units/homelab-backup-* /etc/systemd/system/ && systemctl daemon-reload`,
    `  systemctl enable --now ${timers.map(quote).join(' ')} >/dev/null 2>&1`,
    '  echo --systemd--',
    'else echo --no-systemd--; fi',
  );
  return lines.join('\n');
}
