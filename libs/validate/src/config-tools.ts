// The configuration files of a release checked by the tools that read them: nginx -t, named-checkzone,
// promtool (config, rules and the rules' unit tests), amtool check-config. Builders here are pure (they
// return argv lists for a release laid out in a folder); configToolIssues runs them on this machine.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { parse } from 'yaml';
import type { Executor } from '@homelab/host';
import { type ConfigIssue, cacheDir, type LoadedService, readCached, writeCached } from '@homelab/model';
import { releaseFiles, releaseHash, type RenderedRelease } from '@homelab/render';

export interface ToolCheck {
  /** The program (checked on PATH first). */
  tool: string;
  /** The Debian package that has it (scripts/bootstrap.sh installs it). */
  debian: string;
  argv: string[];
  /** What is checked, for messages: the release path. */
  what: string;
}

// Container path -> release path of every ./files bind mount of the rendered compose file.
export function fileMounts(compose: string): Array<{ target: string; source: string }> {
  const doc = parse(compose) as { services?: Record<string, { volumes?: unknown[] }> } | null;
  const out: Array<{ target: string; source: string }> = [];
  for (const def of Object.values(doc?.services ?? {}))
    for (const v of def.volumes ?? []) {
      const [source, target] =
        typeof v === 'string' ? v.split(':') : [(v as { source?: string }).source, (v as { target?: string }).target];
      if (source?.startsWith('./files/') && target) out.push({ target, source: source.slice(2) });
    }
  return out.sort((a, b) => b.target.length - a.target.length);
}

// A file's text with the container paths of the mounts replaced by the paths in the laid-out release, so
// that includes (nginx conf.d, Prometheus rule_files) resolve to the files of this release.
export function localPaths(text: string, mounts: Array<{ target: string; source: string }>, dir: string): string {
  let out = text;
  for (const m of mounts) out = out.replaceAll(m.target, join(dir, m.source));
  return out;
}

// Pure: the checks a release's files call for, for a release laid out in `dir` (checked copies under dir/.check/).
export function toolChecks(
  files: Record<string, string>,
  compose: string,
  dir: string,
): { checks: ToolCheck[]; rewrites: Record<string, string> } {
  const mounts = fileMounts(compose);
  const checks: ToolCheck[] = [];
  const rewrites: Record<string, string> = {};
  const byTarget = new Map(mounts.map((m) => [m.target, m.source]));
  const nginx = byTarget.get('/etc/nginx/nginx.conf');
  if (nginx && files[nginx] !== undefined) {
    // The container logs to its stdout/stderr; here, with no terminal, those cannot be opened. Every TLS
    // server is checked (the start script enables those whose certificate exists), with a throw-away
    // certificate made here standing in for each domain's.
    const local = (text: string) =>
      localPaths(text, mounts, dir)
        .replaceAll('/dev/stdout', '/dev/null')
        .replaceAll('/dev/stderr', '/dev/null')
        .replaceAll('/tmp/nginx-tls/', `${join(dir, 'files/tls.d')}/`)
        .replace(/\/etc\/nginx\/certs\/live\/[^/\s;]+\/fullchain\.pem/g, join(dir, 'validate-cert.pem'))
        .replace(/\/etc\/nginx\/certs\/live\/[^/\s;]+\/privkey\.pem/g, join(dir, 'validate-key.pem'));
    for (const [path, text] of Object.entries(files)) if (path.startsWith('files/') && /\.conf$/.test(path)) rewrites[path] = local(text);
    if (Object.keys(files).some((p) => p.startsWith('files/tls.d/')))
      checks.push({
        tool: 'openssl',
        debian: 'openssl',
        argv: [
          'openssl',
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=homelab validate',
          '-keyout',
          join(dir, 'validate-key.pem'),
          '-out',
          join(dir, 'validate-cert.pem'),
        ],
        what: 'files/tls.d/',
      });
    checks.push({
      tool: 'nginx',
      debian: 'nginx-light',
      argv: ['nginx', '-t', '-q', '-e', '/dev/null', '-c', join(dir, nginx)],
      what: nginx,
    });
  }
  for (const path of Object.keys(files).filter((p) => /^files\/(.*\/)?db\.[a-z0-9.-]+$/.test(p))) {
    const zone = path.slice(path.lastIndexOf('/db.') + 4);
    checks.push({ tool: 'named-checkzone', debian: 'bind9-utils', argv: ['named-checkzone', '-q', zone, join(dir, path)], what: path });
  }
  const prometheus = byTarget.get('/etc/prometheus/prometheus.yml');
  if (prometheus && files[prometheus] !== undefined) {
    rewrites[prometheus] = localPaths(files[prometheus], mounts, dir);
    checks.push({ tool: 'promtool', debian: 'prometheus', argv: ['promtool', 'check', 'config', join(dir, prometheus)], what: prometheus });
    const rules = Object.keys(files).filter((p) => /^files\/rules\/[^/]+\.ya?ml$/.test(p));
    if (rules.length)
      checks.push({
        tool: 'promtool',
        debian: 'prometheus',
        argv: ['promtool', 'check', 'rules', ...rules.map((r) => join(dir, r))],
        what: 'files/rules/',
      });
    for (const t of Object.keys(files).filter((p) => /^files\/rules-tests\/[^/]+\.ya?ml$/.test(p)))
      checks.push({ tool: 'promtool', debian: 'prometheus', argv: ['promtool', 'test', 'rules', join(dir, t)], what: t });
  }
  const blackbox = byTarget.get('/etc/blackbox/blackbox.yml');
  if (blackbox && files[blackbox] !== undefined)
    checks.push({
      tool: 'prometheus-blackbox-exporter',
      debian: 'prometheus-blackbox-exporter',
      argv: ['prometheus-blackbox-exporter', '--config.check', `--config.file=${join(dir, blackbox)}`],
      what: blackbox,
    });
  for (const path of Object.keys(files).filter((p) => /^files\/(.*\/)?alertmanager\.ya?ml(\.tmpl)?$/.test(p))) {
    // Placeholders the container fills from secret files at start (__NAME__) stand in as valid URLs.
    const check = `${path}.check.yml`;
    rewrites[check] = files[path]!.replace(/__[A-Z][A-Z0-9_]*__/g, 'https://placeholder.invalid/secret');
    checks.push({ tool: 'amtool', debian: 'prometheus-alertmanager', argv: ['amtool', 'check-config', join(dir, check)], what: path });
  }
  return { checks, rewrites };
}

// Releases whose files every tool accepted, kept by the hash of those files under the workspace's
// node_modules/.cache (as `docker compose config` runs are): a deploy that changes nothing does not run
// nginx -t, promtool and amtool again. Only a pass is kept: a rejection, or a tool missing on this
// machine, is checked again every time.
// The key also holds the checks themselves (a new or changed check runs again) and each tool's program
// file as found on PATH, with its size and time (an upgraded tool checks again); a tool not found: no key.
const passedVersion = 'config-tools-2';
function passedFile(svc: LoadedService, release: RenderedRelease, checks: ToolCheck[]): string | undefined {
  const tools = [...new Set(checks.map((c) => c.tool))].map(programFile);
  if (tools.includes(undefined)) return undefined;
  const key = releaseHash([
    passedVersion,
    JSON.stringify(checks),
    ...(tools as string[]),
    ...releaseFiles(release).flatMap((f) => [f.name, f.mode, f.content]),
  ]);
  return join(cacheDir(join(svc.dir, '..', '..'), 'config-tools'), `${key}.json`);
}

// The program `tool` runs as on this machine's PATH: its path, size and modification time.
function programFile(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      const s = statSync(join(dir, tool));
      if (s.isFile()) return `${join(dir, tool)}:${s.size}:${s.mtimeMs}`;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

// Runs every check a rendered release calls for; a missing tool is an issue that says how to install it.
export async function configToolIssues(svc: LoadedService, release: RenderedRelease, local: Executor): Promise<ConfigIssue[]> {
  const files = Object.fromEntries(releaseFiles(release).map((f) => [f.name, f.content]));
  // The checks as they would run (their folder a fixed one, for the key).
  const planned = toolChecks(files, release.compose, '/release').checks;
  if (!planned.length) return [];
  const passed = passedFile(svc, release, planned);
  if (passed && readCached<{ passed: boolean }>(passed)?.passed) return [];
  const dir = mkdtempSync(join(tmpdir(), `homelab-check-${svc.name}-`));
  try {
    const { checks, rewrites } = toolChecks(files, release.compose, dir);
    for (const [name, content] of Object.entries({ ...files, ...rewrites })) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    const issues: ConfigIssue[] = [];
    const present = new Map<string, boolean>();
    for (const c of checks) {
      if (!present.has(c.tool))
        present.set(c.tool, (await local.run(['sh', '-c', `command -v ${c.tool}`], { allowFailure: true })).exitCode === 0);
      const source = `packages/${svc.name}/${c.what}`;
      if (!present.get(c.tool)) {
        issues.push({
          file: source,
          path: '',
          message: `${c.tool} is not installed on this machine: \`${c.argv.slice(0, 3).join(' ')}\` cannot check it`,
          hint: `run scripts/bootstrap.sh (it installs the Debian package ${c.debian})`,
        });
        continue;
      }
      const r = await local.run(c.argv, { allowFailure: true });
      if (r.exitCode !== 0)
        issues.push({
          file: source,
          path: '',
          message: `${c.argv.slice(0, 3).join(' ')} rejects it (exit ${r.exitCode}): ${`${r.stderr}\n${r.stdout}`.replaceAll(dir, '<release>').trim()}`,
          hint: `fix ${svc.files.service} or the file under packages/${svc.name}/files/ it comes from`,
        });
    }
    if (!issues.length && passed) writeCached(passed, { passed: true, checks: checks.map((c) => c.argv.slice(0, 3).join(' ')) });
    return issues;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
