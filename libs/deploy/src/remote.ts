// Pure: the shell scripts a deploy runs on the host, each built from its inputs only.
import { createHash } from 'node:crypto';
import { quote } from '@homelab/host';
import type { ServicePaths } from './layout.ts';

const q = quote;

// Prints everything a plan needs about the deployed service, section by section. `listed`: the Compose
// projects of the host's running containers are in $running, one per line (readStatesScript lists them).
export function readStateScript(p: ServicePaths, project: string, listed = false): string {
  return [
    `echo '--key--'; cat ${q(p.fingerprintKey)} 2>/dev/null; echo`,
    `if [ ! -d ${q(p.root)} ]; then echo '--none--'; exit 0; fi`,
    `echo '--state--'; cat ${q(p.state)} 2>/dev/null; echo`,
    `echo '--intent--'; cat ${q(p.intent)} 2>/dev/null; echo`,
    `echo '--current--'; readlink ${q(p.current)} 2>/dev/null`,
    `echo '--compose--'; cat ${q(p.current)}/compose.yaml 2>/dev/null`,
    `echo '--releases--'; ls -1 ${q(p.releases)} 2>/dev/null`,
    listed
      ? `echo '--running--'; printf '%s\\n' "$running" | grep -cxF -- ${q(project)}` // (0 when none matches)
      : `echo '--running--'; docker ps -q ${composeFilters(project)} --filter status=running | wc -l`,
  ].join('\n');
}

// Pure: `then` only when `read` prints the same as before (`digest`: stateDigest of what it printed);
// then prints --unchanged-- and, after what `then` prints, --then-exit-- with its exit code. Otherwise
// prints what `read` prints now, and `then` does not run.
export function ifUnchangedScript(read: string, digest: string, then: string): string {
  return [
    `s=$(\n${read}\n)`,
    `if [ "$(printf '%s' "$s" | sha256sum 2>/dev/null | cut -d' ' -f1)" = ${q(digest)} ]; then echo '--unchanged--'; (\n${then}\n); echo "--then-exit-- $?"`,
    `else printf '%s\\n' "$s"; fi`,
  ].join('\n');
}

// The digest ifUnchangedScript compares: sha256 of the text without its trailing newlines (as the
// shell's command substitution keeps it).
export function stateDigest(text: string): string {
  return createHash('sha256').update(text.replace(/\n+$/, '')).digest('hex');
}

// What readStateScript prints, for several services of one host in one round trip, each after
// `--of-- <service>`. One `docker ps` lists the Compose project of every running container and each
// service counts its own: a docker command costs tens of milliseconds on a host, and a no-op deploy of a
// host's services is mostly this script.
export function readStatesScript(items: Array<{ paths: ServicePaths; project: string }>): string {
  return [
    `running=$(docker ps --filter status=running --format '{{.Label "com.docker.compose.project"}}' 2>/dev/null)`,
    ...items.map(({ paths, project }) => `echo ${q(`--of-- ${project}`)}\n(\n${readStateScript(paths, project, true)}\n)`),
  ].join('\n');
}

// Pure: readStatesScript's output, per service.
export function splitStates(output: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = output.split(/^--of-- (\S+)\n/m);
  for (let i = 1; i + 1 < parts.length; i += 2) out.set(parts[i]!, parts[i + 1]!);
  return out;
}

export interface StagedFile {
  name: string;
  /** Length in bytes of its content on stdin. */
  bytes: number;
  mode: '0400' | '0600' | '0644';
  /** uid given the file (chown) before the release is complete; the deploy user's when absent. */
  owner?: number;
}

// Reads the files' contents, one after another, from stdin (secrets never touch the command line)
// into releases/<id>.partial, then makes the release complete with one rename. Private files (0600,
// 0400) are created under umask 077, so no byte is ever readable by others; an owned one is then
// given to its uid.
export function stageScript(p: ServicePaths, id: string, files: StagedFile[]): string {
  const partial = `${p.release(id)}.partial`;
  const dirs = [...new Set(files.filter((f) => f.name.includes('/')).map((f) => `${partial}/${f.name.slice(0, f.name.lastIndexOf('/'))}`))];
  const writes = files.map((f) => {
    const path = q(`${partial}/${f.name}`);
    const body = f.bytes === 0 ? `: > ${path}` : `dd of=${path} bs=${f.bytes} count=1 iflag=fullblock status=none`;
    const chown = f.owner === undefined ? '' : ` && chown ${f.owner} ${path}`;
    return `(umask ${f.mode === '0644' ? '022' : '077'} && ${body}) && chmod ${f.mode} ${path}${chown}`;
  });
  return [
    `rm -rf ${q(partial)} && mkdir -p ${[partial, ...dirs].map(q).join(' ')}`,
    ...writes,
    `rm -rf ${q(p.release(id))} && mv -T ${q(partial)} ${q(p.release(id))}`,
  ].join(' && ');
}

// Atomically points `current` at a release (rename of a fresh link over the old one).
export function swapScript(p: ServicePaths, id: string): string {
  return `cd ${q(p.root)} && ln -sfn ${q(`releases/${id}`)} current.tmp && mv -T current.tmp current`;
}

// An earlier `compose up` abandoned on the host (its deploy was cut off or killed) is waited for, up to
// `waitSeconds`, then stopped with every process it started (it runs in its own process group, named
// by its pid file); only then does a new one start. A group whose leader runs no compose command any
// more (a reused pid) is not ours; one whose leader is gone but whose children run still is.
export function awaitAbandonedUpScript(pidFile: string, waitSeconds = 120): string {
  const pf = q(pidFile);
  const running = 'kill -0 -"$p" 2>/dev/null && { grep -aq compose "/proc/$p/cmdline" 2>/dev/null || ! kill -0 "$p" 2>/dev/null; }';
  return [
    `p=$(cat ${pf} 2>/dev/null || true)`,
    `if [ -n "$p" ] && ${running}; then echo "an abandoned docker compose up (pid $p) is still running: waiting for it (up to ${waitSeconds}s)" >&2`,
    `i=0; while ${running} && [ "$i" -lt ${waitSeconds} ]; do sleep 1; i=$((i+1)); done`,
    `if ${running}; then echo "stopping it" >&2; kill -TERM -"$p" 2>/dev/null; sleep 3; kill -KILL -"$p" 2>/dev/null || true; fi; fi`,
    `rm -f ${pf}`,
  ].join('\n');
}

// A release with a registry login (secrets/docker/config.json) pulls the images it lacks with that
// config first (plain `docker pull`: DOCKER_CONFIG would also hide the Compose plugin); the credentials
// are read by Docker from the 0400 file, never from a command line.
export const pullPrivateScript =
  '{ [ ! -f secrets/docker/config.json ] || for i in $(docker compose config --images); do docker image inspect "$i" >/dev/null 2>&1 || DOCKER_CONFIG="$PWD/secrets/docker" docker pull -q "$i" >&2 || exit 1; done; }';

// Runs `command` in `dir` under nohup in a process group of its own (setsid), so a dropped SSH session
// does not stop Compose half-way: it finishes and the host runs a whole release. Its pid (= its group)
// is in `pidFile` while it runs, for the next deploy to wait for or stop; its output in .compose-up.log,
// echoed to stderr.
function detachedUp(dir: string, pidFile: string, command: string, after = ''): string {
  const pf = q(pidFile);
  return `${awaitAbandonedUpScript(pidFile)}\ncd ${q(dir)} && ${pullPrivateScript} && { nohup setsid ${command} > .compose-up.log 2>&1 & echo $! > ${pf}; wait $!; rc=$?; rm -f ${pf}; cat .compose-up.log >&2; ${after}exit $rc; }`;
}

export function composeUpScript(dir: string, pidFile: string): string {
  return detachedUp(dir, pidFile, 'docker compose up -d --remove-orphans');
}

// Brings a release up replacing the replicas of the rolled compose services one at a time: the other
// services come up as usual; each replica whose config differs from the release's is removed and created
// anew, unless `busy` exits 0 in it (a CI job runs there). Busy ones are listed after --deferred-- (as
// id:service), and a waiter detached from the SSH session replaces each once it is idle (or gone), for at
// most `maxWaitSeconds`, stopping early when another release becomes current; its log is .rollout.log in
// the release folder. The whole script runs detached, like composeUpScript.
export function rollingUpScript(
  dir: string,
  pidFile: string,
  project: string,
  services: readonly string[],
  busy: readonly string[],
  maxWaitSeconds: number,
): string {
  const isBusy = `docker exec "$id" ${busy.map(q).join(' ')} >/dev/null 2>&1`;
  const replace = 'docker rm -f "$id" >/dev/null 2>&1; docker compose up -d --no-recreate "$svc"';
  const waiter = [
    `deadline=$(( $(date +%s) + ${maxWaitSeconds} ))`,
    'while [ -n "$ids" ] && [ "$(date +%s)" -lt "$deadline" ]; do left=""',
    // A newer release made current since: its own deploy rolls the replicas; this waiter is done.
    '  [ "$(readlink -f ../../current)" = "$(pwd -P)" ] || { echo "another release is current now: stopping"; exit 0; }',
    `  for pair in $ids; do id=\${pair%%:*}; svc=\${pair#*:}; if docker inspect "$id" >/dev/null 2>&1 && ${isBusy}; then left="$left $pair"; else echo "replacing $id of $svc (idle)"; ${replace}; fi; done`,
    '  ids=$left; [ -z "$ids" ] || sleep 2',
    'done',
    'if [ -n "$ids" ]; then echo "still busy after the deadline, left on the old release:$ids"; exit 1; fi',
    'echo "every replica is on the new release"',
  ].join('\n');
  const rolled = services.map(q).join(' ');
  const body = [
    'set -e',
    `others=$(docker compose config --services | grep -vxF ${services.map((s) => `-e ${q(s)}`).join(' ')} || true)`,
    'if [ -n "$others" ]; then docker compose up -d --remove-orphans $others; fi',
    `docker compose up -d --remove-orphans --no-recreate ${rolled}`,
    'deferred=""',
    `for svc in ${rolled}; do`,
    `  want=$(docker compose config --hash "$svc" | awk '{print $2}')`,
    `  for id in $(docker ps -aq --filter label=com.docker.compose.project=${q(project)} --filter "label=com.docker.compose.service=$svc"); do`,
    `    [ "$(docker inspect -f '{{index .Config.Labels "com.docker.compose.config-hash"}}' "$id")" = "$want" ] && continue`,
    `    if ${isBusy}; then deferred="$deferred $id:$svc"; continue; fi`,
    '    docker rm -f "$id" >/dev/null && docker compose up -d --no-recreate "$svc"',
    '  done',
    'done',
    `if [ -n "$deferred" ]; then ids="$deferred" nohup setsid sh -c ${q(waiter)} > .rollout.log 2>&1 < /dev/null & fi`,
    'echo "--deferred--$deferred"',
  ].join('\n');
  return detachedUp(dir, pidFile, `sh -c ${q(body)}`, "grep -- '^--deferred--' .compose-up.log; ");
}

// restart and stop act on the release's containers; start brings up what is stopped or missing,
// recreating nothing, detached like every compose up (an abandoned one waited for first).
export function composeOperationScript(dir: string, action: 'restart' | 'stop' | 'start', pidFile: string): string {
  if (action === 'start') return detachedUp(dir, pidFile, 'docker compose up -d --no-recreate');
  return `cd ${q(dir)} && docker compose ${action} 2>&1`;
}

export function composeDownScript(dir: string): string {
  return `cd ${q(dir)} && docker compose down --remove-orphans 2>&1`;
}

export function removeCurrentScript(p: ServicePaths): string {
  return `rm -f ${q(p.current)}`;
}

export function ensureNetworkScript(network: string): string {
  // (grouped: in `a || b && c || d`, a failed create of the first network would be followed by the second)
  return `{ docker network inspect ${q(network)} >/dev/null 2>&1 || docker network create ${q(network)} >/dev/null; }`;
}

// Writes exactly `bytes` bytes of stdin to `file` (root-only), in one rename: a stream cut short by a
// dropped connection is not committed.
function privateWrite(file: string, bytes: number): string {
  const tmp = q(`${file}.tmp`);
  return `(umask 077 && head -c ${bytes} > ${tmp}) && [ "$(wc -c < ${tmp})" -eq ${bytes} ] && mv -f ${tmp} ${q(file)}`;
}

// The host's record (`bytes` of stdin), readable by root only, replaced in one rename; the transition
// it records is over, so its intent record goes. Release records that older versions left
// world-readable (they hold secret fingerprints) are made private too.
export function writeStateScript(p: ServicePaths, bytes: number): string {
  return `${privateWrite(p.state, bytes)} && rm -f ${q(p.intent)} && { chmod 600 ${q(p.releases)}/*/release.json 2>/dev/null || true; }`;
}

// Says, before `current` moves, which release it moves to, from where, by whom (stdin: the JSON).
export function writeIntentScript(p: ServicePaths, bytes: number): string {
  return privateWrite(p.intent, bytes);
}

/** The exit status of intentAndSwapScript when `current` did not move. */
export const notSwitched = 86;

/** What intentAndSwapScript says on stderr when it exits with notSwitched. */
export const notSwitchedLine = (id: string) => `current was not switched to ${id}: it is unchanged`;

// The intent (`bytes` of stdin), then the switch of `current`. When either fails and `current` did not
// move, the script says so and exits with notSwitched (what follows does not run); the intent goes again
// only if this script wrote it (one left by an earlier interrupted deploy stays). When `current` points
// at the release already (an earlier try of this round trip switched it, and the connection dropped),
// a failure is an ordinary one: the release may run, and the deploy goes back.
export function intentAndSwapScript(p: ServicePaths, bytes: number, id: string): string {
  return [
    `w=0; s=0; { ${writeIntentScript(p, bytes)}; } || w=$?`,
    `if [ "$w" -eq 0 ]; then { ${swapScript(p, id)}; } || s=$?; fi`,
    'if [ "$w" -ne 0 ] || [ "$s" -ne 0 ]; then',
    `if [ "$(readlink ${q(p.current)})" = ${q(`releases/${id}`)} ]; then echo "current points at ${id} already (an earlier try switched it)" >&2; exit 1; fi`,
    `if [ "$w" -eq 0 ]; then rm -f ${q(p.intent)}; fi`,
    `echo ${q(notSwitchedLine(id))} >&2; exit ${notSwitched}`,
    'fi',
  ].join('\n');
}

// When the transition's last round trip finds the host lock no longer its own: --recorded-before--
// when the host holds the record it would write (`bytes` of stdin; with none, no intent left), as a
// round trip re-sent after its first run got through does; otherwise nothing (the caller takes any
// other answer as a lock taken over by another deploy: nothing written).
export function recordedBeforeScript(p: ServicePaths, bytes: number | undefined): string {
  if (bytes === undefined) return `if [ ! -e ${q(p.intent)} ]; then echo '--recorded-before--'; fi`;
  return `t=$(mktemp) && head -c ${bytes} > "$t" && if cmp -s "$t" ${q(p.state)}; then echo '--recorded-before--'; fi; rm -f "$t"`;
}

// Keeps the host's first fingerprint key (from stdin): an existing one is never replaced.
export function writeFingerprintKeyScript(p: ServicePaths, bytes = 64): string {
  return `[ -s ${q(p.fingerprintKey)} ] || { ${privateWrite(p.fingerprintKey, bytes)}; }`;
}

export function clearIntentScript(p: ServicePaths): string {
  return `rm -f ${q(p.intent)}`;
}

export function pruneScript(p: ServicePaths, remove: string[]): string {
  if (remove.length === 0) return 'true';
  return `cd ${q(p.releases)} && rm -rf ${remove.map(q).join(' ')}`;
}

// Installs (`bytes` of stdin) and enables the unit; the stack is already up, so it is not started again.
export function installUnitScript(unitName: string, bytes: number): string {
  const path = `/etc/systemd/system/${unitName}`;
  const tmp = q(`${path}.tmp`);
  return `head -c ${bytes} > ${tmp} && [ "$(wc -c < ${tmp})" -eq ${bytes} ] && mv -f ${tmp} ${q(path)} && systemctl daemon-reload && systemctl enable ${q(unitName)} >/dev/null 2>&1`;
}

// `docker ps` filters for a compose project's containers, or one service's.
function composeFilters(project: string, service?: string): string {
  return `--filter label=com.docker.compose.project=${q(project)}${service === undefined ? '' : ` --filter label=com.docker.compose.service=${q(service)}`}`;
}

// Runs `body` with $id set to the first running container of a compose service; --none-- without one.
function inRunningContainer(project: string, service: string, body: string): string {
  return `id=$(docker ps -q ${composeFilters(project, service)} | head -n 1); if [ -z "$id" ]; then echo --none--; else ${body}; fi`;
}

// `<state> <health>` per container of one compose service.
export function containerStatesScript(project: string, service: string): string {
  return `ids=$(docker ps -aq ${composeFilters(project, service)}); [ -z "$ids" ] || docker inspect --format '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' $ids`;
}

// GETs a URL from inside a compose service's container with its own wget; headers, then --body--, then the body.
export function containerHttpScript(project: string, service: string, url: string): string {
  const inner = `wget -S -q -T 5 -O /tmp/.homelab-probe ${q(url)} 2>&1; echo --body--; cat /tmp/.homelab-probe 2>/dev/null; rm -f /tmp/.homelab-probe`;
  return inRunningContainer(project, service, `docker exec "$id" sh -c ${q(inner)}`);
}

// Runs a command in a compose service's running container; its output (stdout and stderr), then
// a newline, then --exit-- and its exit code. No running container: --none--.
export function containerExecScript(project: string, service: string, command: readonly string[]): string {
  return inRunningContainer(
    project,
    service,
    `docker exec "$id" ${command.map(q).join(' ')} 2>&1; rc=$?; printf '\\n--exit-- %s\\n' "$rc"`,
  );
}

// Creates missing bind-mount directories owned by the service's uid:gid; existing ones are left alone.
export function ensureDirsScript(dirs: string[], uid: number, gid: number): string {
  if (dirs.length === 0) return 'true';
  return `for d in ${dirs.map(q).join(' ')}; do [ -e "$d" ] || { mkdir -p "$d" && chown ${uid}:${gid} "$d"; } || exit 1; done`;
}

// Runs a command in a compose service of the current release (`homelab exec`); -T without a terminal.
export function composeExecScript(dir: string, service: string, command: readonly string[], tty: boolean): string {
  return `cd ${q(dir)} && exec docker compose exec${tty ? '' : ' -T'} ${q(service)} ${command.map(q).join(' ')}`;
}

// Every container's log lines of the current release, each prefixed with its container (`homelab logs`).
export function composeLogsFollowScript(dir: string, options: { lines?: number; since?: string; follow?: boolean }): string {
  const args = ['--no-color', '--timestamps', '--tail', String(options.lines ?? 100)];
  if (options.since) args.push('--since', options.since);
  if (options.follow) args.push('--follow');
  return `cd ${q(dir)} && exec docker compose --ansi never logs ${args.map(q).join(' ')}`;
}

// The last log lines of a release's containers, for the message of a failed deploy.
export function composeLogsScript(dir: string, lines = 20): string {
  return `cd ${q(dir)} && docker compose logs --no-color --tail ${lines} 2>&1 | tail -n ${lines * 3}`;
}

// Creates the external networks a rendered compose file uses (web_proxy), when missing.
export function ensureNetworksScript(networks: string[]): string {
  return networks.length ? networks.map(ensureNetworkScript).join(' && ') : 'true';
}
