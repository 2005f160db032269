// `homelab deploy|plan|rollback [service...]`: hosts in parallel, one service at a time per host.
import { deployResult, runMany, type Action, type DeployResult } from '@homelab/deploy';
import { resultsTable } from '../format.ts';
import { writeResultsFile } from '../results-file.ts';
import { readFileSync } from 'node:fs';
import type { AffectedResult } from '../affected/affected.ts';
import { validateService } from '@homelab/validate';
import { LocalExecutor } from '@homelab/host';
import { ConfigError, type ConfigIssue, type LoadedService } from '@homelab/model';
import { actor, gitSha, hostExecutors, progressLogger, resolveAllSecrets, vaultSecretsIfGiven } from '../session.ts';
import { loadFailure, loadWorkspace, selectRunnable, type Workspace } from '../workspace.ts';
import type { CommandContext } from './context.ts';
import type { RevisionOptions } from './affected.ts';

export interface ManyOptions extends RevisionOptions {
  json?: boolean;
  /** Only the services whose release changes between --base and --head. */
  affected?: boolean;
  /** Seconds to wait for another holder of a host lock. */
  lockWait?: number;
  /** rollback: the release to go back to (id, a prefix of it, or a version). */
  to?: string;
  /** Images mapped beyond the inventory's (set by `homelab up --apps`, not on the command line). */
  extraImages?: Record<string, string>;
}

type LoadIssues = Map<string, ConfigIssue[]>;

// What an action counts as success; anything else makes the command exit 1.
const succeeded: Record<Action, string[]> = {
  deploy: ['deployed', 'unchanged', 'skipped'],
  plan: ['planned', 'unchanged', 'skipped'],
  rollback: ['rolled back', 'skipped'],
  restart: ['restarted', 'skipped'],
  stop: ['stopped', 'skipped'],
  start: ['started', 'skipped'],
};

// The services to act on, and the rows of those that are not (broken, or skipped with the reason): named or affected ones,
// less what the inventory does not hold or cannot run, and (under nx affected) what did not change.
async function select(
  ctx: CommandContext<ManyOptions>,
  action: Action,
  workspace: Workspace,
  issues: LoadIssues,
): Promise<{ services: LoadedService[]; reported: DeployResult[] }> {
  const names = ctx.options.affected ? await affectedServices(ctx) : ctx.args;
  // An empty affected set acts on nothing (an empty list of names would otherwise mean "all").
  const selection = ctx.options.affected && names.length === 0 ? { services: [], skipped: [] } : selectRunnable(workspace, names, issues);
  const exact = action === 'deploy' || action === 'plan' ? exactSet(workspace.inventory.name) : undefined;
  const services = exact ? selection.services.filter((s) => exact.services.has(s.name)) : selection.services;
  for (const s of selection.services)
    if (exact && !services.includes(s)) selection.skipped.push({ service: s.name, host: s.spec.host, why: exact.why });
  const version = (name: string) => workspace.services.find((w) => w.name === name)?.version ?? '-';
  // Acting on all services: one that cannot be loaded is a failed row, never silently left out.
  const broken =
    ctx.args.length === 0 && !ctx.options.affected
      ? [...issues].map(([name, found]) => deployResult(name, '-', 'failed', { version: '-', message: loadFailure(found) }))
      : [];
  return {
    services,
    // Rows decided without running anything: the broken ones, and the skipped ones with their reason.
    reported: [
      ...broken,
      ...selection.skipped.map((s) => deployResult(s.service, s.host, 'skipped', { version: version(s.service), message: s.why })),
    ],
  };
}

// Before any host is contacted: every service validated (deploy, plan) and every secret read.
async function prepare(
  ctx: CommandContext<ManyOptions>,
  action: Action,
  workspace: Workspace,
  services: LoadedService[],
): Promise<Map<string, Record<string, string>>> {
  if (action !== 'deploy' && action !== 'plan') return new Map();
  const local = new LocalExecutor({ env: process.env as Record<string, string> });
  const vault = await vaultSecretsIfGiven(ctx);
  const problems = (
    await Promise.all(services.map((s) => validateService(s, workspace.inventory, workspace.services, local, { vault })))
  ).flat();
  if (problems.length) throw new ConfigError(problems);
  return resolveAllSecrets(ctx, services, workspace.inventory);
}

function print(ctx: CommandContext<ManyOptions>, action: Action, results: DeployResult[]): void {
  if (ctx.json) {
    ctx.out(JSON.stringify(results, null, 2));
    return;
  }
  if (action === 'plan') {
    for (const r of results) {
      ctx.out(`${r.service} on ${r.host}: ${r.plan?.action ?? r.result}${r.plan?.reasons.length ? ` (${r.plan.reasons.join('; ')})` : ''}`);
      if (r.plan?.diff) ctx.out(r.plan.diff);
    }
  }
  for (const r of results) if (r.message && !succeeded[action].includes(r.result)) ctx.err(`✖ ${r.service} on ${r.host}: ${r.message}`);
  ctx.out(resultsTable(results));
}

export function manyCommand(action: Action) {
  return async (ctx: CommandContext<ManyOptions>): Promise<number> => {
    const hosts = hostExecutors(ctx, ctx.options.affected ? undefined : ctx.args);
    try {
      return await many(ctx, action, hosts);
    } finally {
      await hosts.close();
    }
  };
}

async function many(ctx: CommandContext<ManyOptions>, action: Action, hosts: ReturnType<typeof hostExecutors>): Promise<number> {
  const { workspace, issues } = await loadWorkspace(ctx.inventory, undefined, ctx.options.extraImages, hosts.hooks);
  const { services, reported } = await select(ctx, action, workspace, issues);
  // Nothing to do reaches no host, so needs no production permission either.
  const executorFor = services.length ? hosts.factory(workspace.inventory) : undefined;
  // Validation, secrets, the commit and who acts: independent local work, done side by side, and
  // while each host's first (read-only) round trip is on its way; nothing on a host is decided or
  // changed before all of it succeeded.
  const local = Promise.all([
    prepare(ctx, action, workspace, services),
    executorFor
      ? gitSha(
          workspace.root,
          services.map((s) => `packages/${s.name}`),
        )
      : '',
    executorFor ? actor(workspace.root) : '',
  ]);
  if (!executorFor) await local;
  const results = !executorFor
    ? []
    : await runMany({
        action,
        services,
        inventory: workspace.inventory,
        executorFor,
        secretsFor: async (svc) => (await local)[0].get(svc.name) ?? {},
        gitSha: '',
        ready: local.then(([, gitSha, by]) => ({ gitSha, by })),
        lockWaitMs: (ctx.options.lockWait ?? Number(process.env.HOMELAB_LOCK_WAIT_SECONDS ?? 600)) * 1000,
        log: progressLogger(ctx),
        signal: ctx.signal,
        to: ctx.options.to,
      });
  results.push(...reported);
  print(ctx, action, results);
  writeResultsFile(
    action,
    workspace.inventory.name,
    results.map((r) => ({
      service: r.service,
      ok: succeeded[action].includes(r.result),
      summary: `${r.service} on ${r.host}: ${r.result}${r.version && r.version !== '-' ? ` (${r.version})` : ''}${r.message ? `: ${r.message}` : ''}${r.plan?.diff ? `\n${r.plan.diff}` : ''}`,
    })),
  );
  return results.every((r) => succeeded[action].includes(r.result)) ? 0 : 1;
}

// The services whose release changes between --base and --head (defaults: NX_BASE or main, NX_HEAD or HEAD).
async function affectedServices(ctx: CommandContext<ManyOptions>): Promise<string[]> {
  // Loaded only here: the two revisions' extraction is not needed by a deploy of named services.
  const { computeAffected, describeAffected } = await import('./affected.ts');
  const result = await computeAffected(ctx);
  for (const line of describeAffected(result)) ctx.err(line);
  if (result.broken.length)
    throw new ConfigError(
      result.broken.map((b) => ({ file: `packages/${b.service}/service.ts`, path: '', message: `cannot be loaded: ${b.message}` })),
    );
  return result.affected.map((a) => a.service);
}

// HOMELAB_AFFECTED_FILE (written by `homelab affected --output`): per-service deploys that Nx starts for
// `nx affected -t deploy` keep exactly the services whose release changed; the rest are skipped, unchanged.
export function exactSet(inventory: string, file = process.env.HOMELAB_AFFECTED_FILE): { services: Set<string>; why: string } | undefined {
  if (!file) return undefined;
  let result: AffectedResult;
  try {
    result = JSON.parse(readFileSync(file, 'utf8')) as AffectedResult;
  } catch (error) {
    throw new ConfigError([
      {
        file,
        path: '',
        message: `HOMELAB_AFFECTED_FILE cannot be read: ${(error as Error).message}`,
        hint: 'write it first: homelab affected --base <rev> --head <rev> --inventory <inventory> --output <file>',
      },
    ]);
  }
  if (result.inventory !== inventory)
    throw new ConfigError([
      {
        file,
        path: 'inventory',
        message: `was computed for inventory ${result.inventory}, not ${inventory}`,
        hint: `homelab affected --inventory ${inventory} --output ${file}`,
      },
    ]);
  return {
    services: new Set(result.affected.map((a) => a.service)),
    why: `its release is the same at ${result.head.sha.slice(0, 12)} as at ${result.base.sha.slice(0, 12)} (homelab affected)`,
  };
}
