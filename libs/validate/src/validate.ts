// Validation of a service for an inventory: schema and rules, the rendered compose, the VRAM budget of its
// host, its secrets file, and `docker compose config` on the rendered release. Used by `homelab validate`
// and by every deploy before it reaches a host.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vramBudget, vramBudgetIssues } from '@homelab/gpu';
import type { Executor } from '@homelab/host';
import {
  cacheDir,
  checkService,
  composeSchema,
  exposedOnWebProxy,
  publishedPorts,
  readCached,
  writeCached,
  type ConfigIssue,
  type Inventory,
  type LoadedService,
} from '@homelab/model';
import { releaseFiles, releaseHash, renderComposeObject, renderRelease, type RenderedRelease } from '@homelab/render';
import { checkServiceSecrets, type VaultSecret } from '@homelab/vault';
import { configToolIssues } from './config-tools.ts';

// Stand-in values so Compose can interpolate secrets; validate never reads the vault.
export function placeholderSecrets(svc: LoadedService): Record<string, string> {
  return Object.fromEntries(svc.spec.secrets.map((name) => [name, `placeholder-${name.toLowerCase()}`]));
}

// Pure checks: rules on the source, the rendered compose, and the GPU budget of its host.
export function staticIssues(svc: LoadedService, inventory: Inventory, all: LoadedService[]): ConfigIssue[] {
  const issues = checkService(svc, inventory, all);
  const host = inventory.hosts[svc.spec.host];
  if (!host || issues.length) return issues;
  const rendered = composeSchema.parse(renderComposeObject(svc, { host, images: inventory.images }));
  issues.push(...exposedOnWebProxy(svc, rendered, `${svc.files.compose} (rendered for ${host.name})`));
  const demands = all
    .filter((s) => s.spec.host === host.name && s.spec.gpu)
    .map((s) => ({ service: s.name, vramMiB: s.spec.gpu!.vramMiB, file: s.files.service }));
  if (svc.spec.gpu) issues.push(...vramBudgetIssues(vramBudget(host, demands), host.file));
  return issues;
}

// Runs the real Compose v2 CLI on the rendered files; its complaint becomes an issue naming the source file.
export async function composeConfigIssues(
  svc: LoadedService,
  inventory: Inventory,
  local: Executor,
  all: LoadedService[] = [svc],
): Promise<ConfigIssue[]> {
  const host = inventory.hosts[svc.spec.host];
  if (!host) return [];
  const release = renderRelease(svc, { host, images: inventory.images }, placeholderSecrets(svc));
  const cached = readCached<ConfigRun>(cacheFile(svc, release));
  if (cached) return configOutcome(svc, inventory, all, cached);
  const dir = mkdtempSync(join(tmpdir(), `homelab-validate-${svc.name}-`));
  try {
    // The release folder as a deploy lays it out on the host.
    for (const f of releaseFiles(release)) {
      mkdirSync(dirname(join(dir, f.name)), { recursive: true });
      writeFileSync(join(dir, f.name), f.content, { mode: Number.parseInt(f.mode, 8) });
    }
    const result = await local.run(
      [
        'docker',
        'compose',
        '--project-directory',
        dir,
        '-f',
        join(dir, 'compose.yaml'),
        '--env-file',
        join(dir, '.env'),
        'config',
        '--format',
        'json',
      ],
      { allowFailure: true },
    );
    const outcome = { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr.replaceAll(dir, '<release>') };
    // Only an accepted release is kept: a failure may come from this machine (a missing plugin) and
    // must be seen again once that is fixed.
    if (outcome.exitCode === 0) writeCached(cacheFile(svc, release), outcome);
    return configOutcome(svc, inventory, all, outcome);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ConfigRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

function configOutcome(svc: LoadedService, inventory: Inventory, all: LoadedService[], run: ConfigRun): ConfigIssue[] {
  if (run.exitCode === 0) return normalisedIssues(svc, inventory, all, JSON.parse(run.stdout) as NormalisedCompose, run.stderr);
  return [
    {
      file: svc.files.compose,
      path: '',
      message: `docker compose config rejects the rendered file: ${run.stderr.trim()}`,
      hint: 'fix the compose file so that it follows the Compose specification',
    },
  ];
}

// What `docker compose config` said about a rendered release, kept by the hash of its files (placeholder
// secrets only) under the workspace's node_modules/.cache: the same release is not checked twice.
// Unwritable or unreadable cache: the check just runs.
const cacheVersion = 'compose-config-1';
function cacheFile(svc: LoadedService, release: RenderedRelease): string {
  const key = releaseHash([cacheVersion, ...releaseFiles(release).flatMap((f) => [f.name, f.mode, f.content])]);
  return join(cacheDir(join(svc.dir, '..', '..'), 'compose-config'), `${key}.json`);
}

export interface ValidateOptions {
  /** Vault passwords, when available: then a whole-file secrets vault can be checked too. */
  vault?: VaultSecret[];
  onWarning?: (issue: ConfigIssue) => void;
}

export async function validateService(
  svc: LoadedService,
  inventory: Inventory,
  all: LoadedService[],
  local: Executor,
  options: ValidateOptions = {},
): Promise<ConfigIssue[]> {
  const secrets = checkServiceSecrets(svc, options.vault);
  for (const w of secrets.warnings) options.onWarning?.(w);
  const issues = [...staticIssues(svc, inventory, all), ...secrets.errors];
  if (issues.length) return issues;
  const compose = await composeConfigIssues(svc, inventory, local, all);
  if (compose.length) return compose;
  // The configuration files, generated ones included, by the tools that read them (nginx -t, promtool, ...).
  const host = inventory.hosts[svc.spec.host]!;
  return configToolIssues(svc, renderRelease(svc, { host, images: inventory.images }, placeholderSecrets(svc)), local);
}

/** What `docker compose config --format json` prints that these checks read. */
interface NormalisedCompose {
  services: Record<string, { ports?: Array<{ published?: string; protocol?: string; host_ip?: string }> }>;
}

// Checks on what Compose itself made of the rendered release: a variable it would replace with a blank,
// and the host ports it really publishes (whatever the syntax: long form, ranges, defaults) against the
// other services on the same host.
export function normalisedIssues(
  svc: LoadedService,
  inventory: Inventory,
  all: LoadedService[],
  config: NormalisedCompose,
  stderr: string,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [...stderr.matchAll(/The \\?"(\w+)\\?" variable is not set/g)].map((m) => ({
    file: svc.files.compose,
    path: '',
    message: `$${m[1]} is not set when the release is rendered: Compose would deploy a blank`,
    hint: `name it in secrets of ${svc.files.service}, or give it a default: \${${m[1]}:-value}`,
  }));
  if (!inventory.hosts[svc.spec.host]) return issues;
  for (const [name, def] of Object.entries(config.services ?? {})) {
    for (const p of def.ports ?? []) {
      const [from = Number.NaN, to = from] = String(p.published ?? '')
        .split('-')
        .map(Number);
      for (let port = from; port <= to; port++) {
        const protocol = p.protocol ?? 'tcp';
        const ip = p.host_ip ?? '0.0.0.0';
        const other = all.find(
          (o) =>
            o.name !== svc.name &&
            o.spec.host === svc.spec.host &&
            publishedPorts(o.compose).some(
              (q) => q.port === port && q.protocol === protocol && (q.hostIp === ip || q.hostIp === '0.0.0.0' || ip === '0.0.0.0'),
            ),
        );
        if (other)
          issues.push({
            file: svc.files.compose,
            path: `services.${name}.ports`,
            message: `Compose publishes host port ${port}/${protocol} on ${svc.spec.host}, which service "${other.name}" also publishes (${other.files.compose})`,
            hint: 'pick a free host port',
          });
      }
    }
  }
  return issues;
}
