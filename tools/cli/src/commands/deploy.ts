// `homelab deploy|plan|rollback [service...]`: hosts in parallel, one service at a time per host.
import { resultsTable, runMany, type Action } from '@homelab/deploy';
import { validateService } from '../validate.ts';
import { LocalExecutor } from '@homelab/host';
import { ConfigError } from '@homelab/model';
import { executorFactory, gitSha, progressLogger, resolveAllSecrets, vaultSecretsIfGiven } from '../session.ts';
import { loadWorkspace, selectServices } from '../workspace.ts';
import type { CommandContext } from './context.ts';

export function manyCommand(action: Action) {
  return async (ctx: CommandContext): Promise<number> => {
    const { workspace, issues } = await loadWorkspace(ctx.inventory);
    const services = selectServices(workspace, ctx.args, issues);
    const executorFor = executorFactory(ctx, workspace.inventory);
    if (action !== 'rollback') {
      const local = new LocalExecutor({ env: process.env as Record<string, string> });
      const vault = await vaultSecretsIfGiven(ctx);
      const problems = (await Promise.all(services.map((s) => validateService(s, workspace.inventory, workspace.services, local, { vault })))).flat();
      if (problems.length) throw new ConfigError(problems);
    }
    // Nothing is deployed when a secret cannot be read: all are read before any host is contacted.
    const secrets = action === 'rollback' ? new Map<string, Record<string, string>>() : await resolveAllSecrets(ctx, services);
    const results = await runMany({
      action,
      services,
      inventory: workspace.inventory,
      executorFor,
      secretsFor: async (svc) => secrets.get(svc.name) ?? {},
      gitSha: await gitSha(workspace.root, services.map((s) => `packages/${s.name}`)),
      lockWaitMs: Number(ctx.flags['lock-wait'] ?? process.env.HOMELAB_LOCK_WAIT_SECONDS ?? 600) * 1000,
      log: progressLogger(ctx),
    });
    const ok: string[] = { deploy: ['deployed', 'unchanged'], plan: ['planned', 'unchanged'], rollback: ['rolled back'] }[action];
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
