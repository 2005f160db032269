// Pure: the node-exporter textfile a backup writes (last success time, size, duration per target) and
// the Prometheus alert rules that read it, from the catalog.
import { quote } from '@homelab/host';
import type { LoadedService } from '@homelab/model';
import type { BackupSpec } from './plan.ts';
import { maxAgeSeconds } from './schedule.ts';

export const metricNames = {
  lastSuccess: 'homelab_backup_last_success_timestamp_seconds',
  size: 'homelab_backup_last_size_bytes',
  added: 'homelab_backup_last_added_bytes',
  duration: 'homelab_backup_last_duration_seconds',
  maxAge: 'homelab_backup_max_age_seconds',
} as const;

export const metricsFile = (textfileDir: string, host: string, service: string) => `${textfileDir}/homelab_backup_${host}_${service}.prom`;

// Shell lines that write the metrics file in one rename, world-readable (node-exporter runs as nobody),
// from the summaries the backup printed ($s0, $s1, ...). They run only after every target succeeded.
export function metricsScript(spec: BackupSpec, textfileDir: string, maxAge: number): string[] {
  const file = metricsFile(textfileDir, spec.host, spec.service);
  const labels = (t: string) => `service=\\"${spec.service}\\",host=\\"${spec.host}\\",target=\\"${t}\\"`;
  const field = (i: number, name: string) => `$(printf '%s' "$s${i}" | sed -n 's/.*"${name}":\\([0-9.]*\\).*/\\1/p')`;
  const body = [
    `printf '# HELP ${metricNames.lastSuccess} When the last backup of the service to the target succeeded.\\n# TYPE ${metricNames.lastSuccess} gauge\\n'`,
    `printf '# HELP ${metricNames.size} Bytes of the service the last backup read.\\n# TYPE ${metricNames.size} gauge\\n'`,
    `printf '# HELP ${metricNames.added} Bytes the last backup added to the repository.\\n# TYPE ${metricNames.added} gauge\\n'`,
    `printf '# HELP ${metricNames.duration} Seconds the whole last backup took.\\n# TYPE ${metricNames.duration} gauge\\n'`,
    `printf '# HELP ${metricNames.maxAge} How old the last backup may get before it is overdue.\\n# TYPE ${metricNames.maxAge} gauge\\n'`,
    ...spec.targets.flatMap((t, i) => [
      `printf '%s{%s} %s\\n' ${metricNames.lastSuccess} "${labels(t.name)}" "$now"`,
      `printf '%s{%s} %s\\n' ${metricNames.size} "${labels(t.name)}" "${field(i, 'total_bytes_processed')}"`,
      `printf '%s{%s} %s\\n' ${metricNames.added} "${labels(t.name)}" "${field(i, 'data_added')}"`,
      `printf '%s{%s} %s\\n' ${metricNames.duration} "${labels(t.name)}" "$((now - started))"`,
    ]),
    `printf '%s{service="%s",host="%s"} %s\\n' ${metricNames.maxAge} ${quote(spec.service)} ${quote(spec.host)} ${maxAge}`,
  ];
  return [
    'now=$(date +%s)',
    `if (umask 022; mkdir -p ${quote(textfileDir)}) 2>/dev/null; then`,
    `  ( umask 022; { ${body.join('; ')}; } > ${quote(`${file}.tmp`)} && mv -f ${quote(`${file}.tmp`)} ${quote(file)} ) || echo "homelab: could not write ${file}" >&2`,
    `else echo "homelab: could not create ${textfileDir} for the backup metrics" >&2; fi`,
  ];
}

/** A Prometheus rule group, as a rules file holds it. */
export interface RuleGroup {
  name: string;
  rules: Array<{ alert: string; expr: string; for: string; labels: Record<string, string>; annotations: Record<string, string> }>;
}

const hours = (s: number) => `${Math.round((s / 3600) * 10) / 10}h`;

// Pure: per service with backups, an alert when its last successful backup to any target is older than
// its schedule allows (two intervals and an hour), and one when no backup of it was ever recorded.
export function backupAlertRules(catalog: LoadedService[]): RuleGroup[] {
  const rules: RuleGroup['rules'] = [];
  for (const svc of [...catalog].sort((a, b) => a.name.localeCompare(b.name))) {
    const b = svc.spec.backups;
    if (!b) continue;
    const max = maxAgeSeconds(b.schedule);
    const sel = `${metricNames.lastSuccess}{service="${svc.name}"}`;
    rules.push(
      {
        alert: 'BackupTooOld',
        expr: `time() - ${sel} > ${max}`,
        for: '10m',
        labels: { severity: 'warning', service: svc.name },
        annotations: {
          summary: `The last backup of ${svc.name} to {{ $labels.target }} is {{ $value | humanizeDuration }} old`,
          description: `${svc.name} is backed up ${b.schedule}; a backup older than ${hours(max)} means runs failed or stopped. Run \`homelab backup run ${svc.name}\` and read its error.`,
        },
      },
      {
        alert: 'BackupMissing',
        expr: `absent(${sel})`,
        for: `${Math.round(max / 60)}m`,
        labels: { severity: 'warning', service: svc.name },
        annotations: {
          summary: `No backup of ${svc.name} was ever recorded`,
          description: `node-exporter shows no ${metricNames.lastSuccess} for ${svc.name}: its backup never succeeded, or the metrics file is not collected.`,
        },
      },
    );
  }
  return [{ name: 'homelab-backups', rules }];
}
