// Pure: the POSIX sh scripts that run on a host for a backup, a restore and a check. The restic
// password reaches restic as a 0600 file: written from stdin into a private temporary file (commands
// run from here), or the host's own 0600 file (the systemd timer); never on a command line.
import { join, quote } from '@homelab/host';
import type { BackupTarget } from '@homelab/model';
import { dumpCommand, loadCommand } from './dumps.ts';
import { metricsScript } from './metrics.ts';
import type { BackupSpec } from './plan.ts';
import { backupArgs, catConfigArgs, checkArgs, forgetArgs, initArgs, pruneArgs, restoreArgs, snapshotsArgs } from './restic.ts';

export type PasswordSource = { stdinBytes: number } | { file: string };

// The start of every script: the password file and a cleanup that always runs.
function prelude(password: PasswordSource, cleanup: string[] = []): string[] {
  const pw =
    'stdinBytes' in password
      ? [
          'pwf=$(mktemp) || exit 1',
          `head -c ${password.stdinBytes} > "$pwf"`,
          `[ "$(wc -c < "$pwf")" -eq ${password.stdinBytes} ] || { echo "homelab: the restic password did not arrive whole" >&2; rm -f "$pwf"; exit 1; }`,
        ]
      : [
          `pwf=''`,
          `[ -r ${quote(password.file)} ] || { echo "homelab: cannot read the restic password file ${password.file}" >&2; exit 1; }`,
        ];
  return [
    'set -u',
    'umask 077',
    ...pw,
    `export RESTIC_PASSWORD_FILE=${'stdinBytes' in password ? '"$pwf"' : quote(password.file)}`,
    `cleanup() { ${[...cleanup, '[ -z "$pwf" ] || rm -f "$pwf"'].join('; ')}; }`,
    // Runs a restic command again (every 10 s, for 5 minutes) while another host's restic holds the
    // repository's exclusive lock (prune, check): hosts share the offsite repository.
    'locked() { n=0; while :; do e=$(mktemp); "$@" 2>"$e"; rc=$?; if [ $rc -eq 0 ] || [ $n -ge 30 ] || ! grep -q "repository is already locked" "$e"; then cat "$e" >&2; rm -f "$e"; return $rc; fi; rm -f "$e"; n=$((n + 1)); echo "homelab: the repository is locked by another restic; trying again in 10 s" >&2; sleep 10; done; }',
    'trap cleanup EXIT',
    "trap 'exit 130' INT TERM",
  ];
}

// Says which target the next restic lines are about (the runner names it in errors).
const targetMarker = (t: BackupTarget) => `echo "--target-- ${t.name}" >&2`;

// Opens a target's repository, creating it when none exists there yet; any other failure (a wrong
// password, an unreachable server) stops the script before anything was dumped or stopped.
function ensureRepository(t: BackupTarget): string[] {
  return [
    targetMarker(t),
    `if ! ${join(catConfigArgs(t))} >/dev/null 2>"$err"; then`,
    `  if grep -q 'Is there a repository at the following location' "$err"; then ${join(initArgs(t))} >&2 || exit 6;`,
    '  else cat "$err" >&2; exit 6; fi',
    'fi',
  ];
}

// A service's backup: open every target, dump its databases inside their containers, stop it where
// its documentation asks, copy files and dumps to each target (one snapshot each), start it again,
// apply the retention (prune only when forget removed a snapshot), and write the node-exporter metrics. Prints one `--summary-- <target> <json>`
// line per target.
export function backupScript(spec: BackupSpec, password: PasswordSource, textfileDir: string, maxAgeSeconds: number): string {
  const dumpDir = quote(spec.dumpDir);
  const lines = [
    ...prelude(password, [
      `rm -rf ${dumpDir}`,
      'rm -f "${err:-}"',
      ...(spec.stop ? ['[ -z "${stopped:-}" ] || docker compose start >/dev/null 2>&1'] : []),
    ]),
    'err=$(mktemp) || exit 1',
    'stopped=',
    `cd ${quote(spec.composeDir)} || { echo "homelab: ${spec.service} has no current release on ${spec.host} (${spec.composeDir})" >&2; exit 2; }`,
    'started=$(date +%s)',
    ...spec.targets.flatMap(ensureRepository),
    `rm -rf ${dumpDir} && mkdir -p ${dumpDir} || exit 1`,
  ];
  for (const d of spec.dumps)
    lines.push(
      `echo "dumping ${d.service} (${d.engine})" >&2`,
      `docker compose exec -T ${quote(d.service)} ${join(dumpCommand(d.engine))} > ${quote(`${spec.dumpDir}/${d.file}`)} 2>"$err" && [ -s ${quote(`${spec.dumpDir}/${d.file}`)} ] || { echo "homelab: the dump of ${d.service} failed:" >&2; cat "$err" >&2; exit 3; }`,
    );
  if (spec.stop)
    lines.push(
      `echo "stopping ${spec.service} for a consistent copy: ${spec.stop.replace(/["`$\\]/g, '')}" >&2`,
      'docker compose stop >&2 2>&1 || exit 4',
      'stopped=1',
    );
  // The volumes' mountpoints, and a manifest of what each declared entry was on this host (the restore maps it back).
  const paths: string[] = [];
  lines.push(`: > ${quote(`${spec.dumpDir}/sources.tsv`)}`);
  for (const [i, s] of spec.sources.entries()) {
    if (s.kind === 'volume') {
      lines.push(`v${i}=$(docker volume inspect -f '{{.Mountpoint}}' ${quote(s.volume)}) || exit 5`);
    } else lines.push(`v${i}=${quote(s.path)}`, `[ -e "$v${i}" ] || mkdir -p "$v${i}"`);
    lines.push(`printf '%s\\t%s\\n' ${i} "$v${i}" >> ${quote(`${spec.dumpDir}/sources.tsv`)}`);
    paths.push(`"$v${i}"`);
  }
  paths.push(dumpDir);
  for (const [i, t] of spec.targets.entries())
    lines.push(
      targetMarker(t),
      `s${i}=$(locked ${join(backupArgs(spec, t))} ${paths.join(' ')} 2>"$err") || { cat "$err" >&2; exit 6; }`,
      `s${i}=$(printf '%s\\n' "$s${i}" | grep '"message_type":"summary"' | tail -n 1)`,
      `echo "--summary-- ${t.name} $s${i}"`,
    );
  if (spec.stop) lines.push('docker compose start >&2 2>&1 && stopped=');
  for (const t of spec.targets)
    lines.push(
      targetMarker(t),
      `f=$(locked ${join(forgetArgs(spec, t))} 2>"$err") || { cat "$err" >&2; exit 7; }`,
      `case "$f" in *'"remove":[{'*) locked ${join(pruneArgs(t))} >&2 2>"$err" || { cat "$err" >&2; exit 7; } ;; esac`,
    );
  lines.push(...metricsScript(spec, textfileDir, maxAgeSeconds));
  return lines.join('\n');
}

// The snapshots of one target (of one service, or all), as restic's JSON.
export function snapshotsScript(target: BackupTarget, password: PasswordSource, service?: string): string {
  return [...prelude(password), targetMarker(target), `locked ${join(snapshotsArgs(target, service))}`].join('\n');
}

// `restic check` of each target, one after the other; every target is checked even when one fails.
export function checkScript(targets: BackupTarget[], password: PasswordSource, readDataSubset?: string): string {
  return [
    ...prelude(password),
    'failed=0',
    ...targets.flatMap((t) => [
      targetMarker(t),
      `locked ${join(checkArgs(t, readDataSubset))} >&2 2>&1 && echo "--checked-- ${t.name}" || failed=1`,
    ]),
    'exit $failed',
  ].join('\n');
}

// Restores a snapshot into `dir` (a staging folder, or --to): nothing the service uses is touched.
export function stageScript(
  target: BackupTarget,
  password: PasswordSource,
  snapshot: string,
  dir: string,
  host: string,
  service: string,
  fresh: boolean,
): string {
  return [
    ...prelude(password),
    fresh ? `rm -rf ${quote(dir)} && mkdir -p ${quote(dir)} || exit 1` : `mkdir -p ${quote(dir)} || exit 1`,
    targetMarker(target),
    `locked ${join(restoreArgs(target, snapshot, dir, host, service))} >&2 2>&1 || exit 6`,
  ].join('\n');
}

// With the service stopped: puts each staged source in place (the old data kept aside until the new
// is in), loads the database dumps into freshly started database containers, and removes the stage.
// The containers and volumes are created first when they are gone (docker compose up --no-start).
export function swapScript(spec: BackupSpec, stage: string): string {
  const manifest = quote(`${stage}${spec.dumpDir}/sources.tsv`);
  const lines = [
    'set -u',
    `cd ${quote(spec.composeDir)} || exit 1`,
    `[ -r ${manifest} ] || { echo "homelab: the snapshot has no sources manifest (${spec.dumpDir}/sources.tsv): it was not made by homelab backup" >&2; exit 1; }`,
    'docker compose stop >&2 2>&1 && docker compose up --no-start >&2 2>&1 || exit 1',
  ];
  for (const [i, s] of spec.sources.entries()) {
    lines.push(
      `old=$(awk -F '\\t' '$1 == "${i}" { print $2 }' ${manifest})`,
      s.kind === 'volume' ? `dest=$(docker volume inspect -f '{{.Mountpoint}}' ${quote(s.volume)}) || exit 1` : `dest=${quote(s.path)}`,
      `if [ -n "$old" ] && [ -e ${quote(stage)}"$old" ]; then`,
      '  rm -rf "$dest.homelab-old" && { [ ! -e "$dest" ] || mv "$dest" "$dest.homelab-old"; } && mkdir -p "$(dirname "$dest")" &&',
      `  mv ${quote(stage)}"$old" "$dest" && rm -rf "$dest.homelab-old" || exit 1`,
      `  echo "restored ${s.entry.replace(/["`$\\]/g, '')}" >&2`,
      `else echo "homelab: the snapshot holds nothing for ${s.entry.replace(/["`$\\]/g, '')}" >&2; exit 1; fi`,
    );
  }
  for (const d of spec.dumps) {
    const file = quote(`${stage}${spec.dumpDir}/${d.file}`);
    lines.push(`[ -s ${file} ] || { echo "homelab: the snapshot holds no dump of ${d.service}" >&2; exit 1; }`);
    if (d.engine === 'redis') {
      lines.push(`docker compose cp ${file} ${quote(`${d.service}:/data/dump.rdb`)} >&2 2>&1 || exit 1`);
      continue;
    }
    lines.push(
      `docker compose up -d --no-deps ${quote(d.service)} >&2 2>&1 || exit 1`,
      `c=$(docker compose ps -q ${quote(d.service)}); i=0`,
      `until s=$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$c") && { [ "$s" = healthy ] || [ "$s" = running ]; }; do`,
      `  i=$((i + 1)); [ $i -lt 300 ] || { echo "homelab: ${d.service} did not become healthy to load its dump (state $s)" >&2; exit 1; }; sleep 1`,
      'done',
      `docker compose exec -T ${quote(d.service)} ${join(loadCommand(d.engine))} < ${file} >&2 2>&1 || { echo "homelab: loading the dump of ${d.service} failed" >&2; exit 1; }`,
      `echo "loaded the dump of ${d.service}" >&2`,
    );
  }
  lines.push(`rm -rf ${quote(stage)}`);
  return lines.join('\n');
}
