// `homelab deploy|plan|rollback [service...]`: hosts in parallel, one service at a time per host.
import { resultsTable, runMany, type Action, type DeployResult } from '@homelab/deploy';
import { join } from 'node:path';
import { labRunnable } from '../lab-runnable.ts';
import type { Workspace } from '../workspace.ts';
import { validateService } from '../validate.ts';
import { LocalExecutor } from '@homelab/host';
import { ConfigError } from '@homelab/model';
import { executorFactory, gitSha, progressLogger, resolveAllSecrets, vaultSecretsIfGiven } from '../session.ts';
import { loadWorkspace, selectServices } from '../workspace.ts';
import type { CommandContext } from './context.ts';

export function manyCommand(action: Action) {
  return async (ctx: CommandContext): Promise<number> => {
    const { workspace, issues } = await loadWorkspace(ctx.inventory);
    const names = ctx.flags.affected ? await affectedServices(workspace, ctx) : ctx.args;
    // An empty affected set deploys nothing (an empty list of names would otherwise mean "all").
    let services = ctx.flags.affected && names.length === 0 ? [] : selectServices(workspace, names, issues);
    // In the lab, services it cannot run (GPU, no lab image) are skipped, not failed.
    const skipped: DeployResult[] = [];
    if (workspace.inventory.name === 'lab') {
      services = services.filter((s) => {
        const r = labRunnable(s, workspace.inventory);
        if (!r.ok) skipped.push({ service: s.name, host: s.spec.host, result: 'skipped', version: s.version, seconds: 0, release: undefined, message: `not runnable in the lab: ${r.why}`, plan: undefined });
        return r.ok;
      });
    }
    const executorFor = executorFactory(ctx, workspace.inventory);
    if (action !== 'rollback') {
      const local = new LocalExecutor({ env: process.env as Record<string, string> });
      const vault = await vaultSecretsIfGiven(ctx);
      const problems = (await Promise.all(services.map((s) => validateService(s, workspace.inventory, workspace.services, local, { vault })))).flat();
      if (problems.length) throw new ConfigError(problems);
    }
    // Nothing is deployed when a secret cannot be read: all are read before any host is contacted.
    const secrets = action === 'rollback' ? new Map<string, Record<string, string>>() : await resolveAllSecrets(ctx, services, workspace.inventory);
    const results = services.length === 0 ? [] : await runMany({
      action,
      services,
      inventory: workspace.inventory,
      executorFor,
      secretsFor: async (svc) => secrets.get(svc.name) ?? {},
      gitSha: await gitSha(workspace.root, services.map((s) => `packages/${s.name}`)),
      lockWaitMs: Number(ctx.flags['lock-wait'] ?? process.env.HOMELAB_LOCK_WAIT_SECONDS ?? 600) * 1000,
      log: progressLogger(ctx),
    });
    results.push(...skipped);
    const ok: string[] = [...{ deploy: ['deployed', 'unchanged'], plan: ['planned', 'unchanged'], rollback: ['rolled back'] }[action], 'skipped'];
    if (ctx.json) ctx.out(JSON.stringify(results, null, 2));
    else {
      if (action === 'plan') {
        for (const r of results) {
          ctx.out(`${r.service} on ${r.host}: ${r.plan?.action ?? r.result}${r.plan?.reasons.length ? ` (${r.plan.reasons.join('; ')})` : ''}`);
          if (r.plan?.diff) ctx.out(r.plan.diff);
        }
      }
      for (const r of results) if (r.message && !ok.includes(r.result)) ctx.err(`✖ ${r.service} on ${r.host}: ${r.message}`);
      ctx.out(resultsTable(results));
    }
    return results.every((r) => ok.includes(r.result)) ? 0 : 1;
  };
}

// The services `nx affected` selects between --base and --head (defaults: main and HEAD).
async function affectedServices(workspace: Workspace, ctx: CommandContext): Promise<string[]> {
  const nx = new LocalExecutor({ cwd: workspace.root, env: { ...(process.env as Record<string, string>), NX_DAEMON: 'false' } });
  const base = String(ctx.flags.base ?? process.env.NX_BASE ?? 'main');
  const head = String(ctx.flags.head ?? process.env.NX_HEAD ?? 'HEAD');
  const out = await nx.run([process.execPath, join(workspace.root, 'node_modules/nx/dist/bin/nx.js'), 'show', 'projects', '--affected', `--base=${base}`, `--head=${head}`, '--json']);
  const affected = new Set(JSON.parse(out.stdout) as string[]);
  return workspace.services.filter((s) => affected.has(s.name)).map((s) => s.name);
}
