// `homelab dr plan <host>` prints the ordered steps that rebuild a host from nothing; `homelab dr
// restore <host>` runs them: the host's facts, then per service in dependency order its deploy and the
// restore of its newest snapshot (both through the release pipeline), then the host's status.
import { drPlan, type DrStep } from '@homelab/backup';
import { gatherFacts } from '@homelab/host';
import { executorFactory } from '../session.ts';
import { hostNamed, loadWorkspace, selectRunnable } from '../workspace.ts';
import { restoreCommand, type BackupOptions } from './backup.ts';
import type { CommandContext } from './context.ts';
import { manyCommand } from './deploy.ts';
import { statusCommand } from './status.ts';

async function planFor(ctx: CommandContext<BackupOptions>) {
  const { workspace, issues } = await loadWorkspace(ctx.inventory);
  const host = hostNamed(workspace.inventory, ctx.args[0]!);
  const { services } = selectRunnable(workspace, [], issues);
  return { host, inventory: workspace.inventory, steps: drPlan(host, services, workspace.inventory) };
}

function print(ctx: CommandContext, steps: DrStep[]): void {
  for (const [i, s] of steps.entries()) ctx.out(`${String(i + 1).padStart(2)}. ${s.text}\n      $ ${s.command}`);
}

export async function drPlanCommand(ctx: CommandContext<BackupOptions>): Promise<number> {
  const { steps } = await planFor(ctx);
  if (ctx.json) ctx.out(JSON.stringify(steps, null, 2));
  else print(ctx, steps);
  return 0;
}

export async function drRestoreCommand(ctx: CommandContext<BackupOptions>): Promise<number> {
  const { host, inventory, steps } = await planFor(ctx);
  const executor = executorFactory(ctx, inventory)(host);
  try {
    ctx.err(`1. ${steps[0]!.text}`);
    const facts = await gatherFacts(executor, host.deployRoot);
    const restic = await executor.sh('command -v restic', { allowFailure: true, display: 'command -v restic' });
    const missing = [!facts.docker && 'Docker', !facts.compose && 'the Compose v2 plugin', restic.exitCode !== 0 && 'restic'].filter(
      Boolean,
    );
    if (missing.length) {
      ctx.err(
        `✖ ${host.name} lacks ${missing.join(', ')}: install them (Debian: apt-get install docker.io docker-compose-plugin restic), then run this again`,
      );
      return 1;
    }
  } finally {
    await executor.close();
  }
  const failed: string[] = [];
  const sub = {
    ...ctx,
    json: false,
    options: { lockWait: ctx.options.lockWait, vaultId: ctx.options.vaultId, vaultPasswordFile: ctx.options.vaultPasswordFile },
  };
  for (const [i, step] of steps.entries()) {
    if (step.kind === 'bootstrap' || step.kind === 'verify' || step.kind === 'targets' || !step.service) continue;
    if (failed.includes(step.service)) continue;
    if (ctx.signal?.aborted) return 130;
    ctx.err(`${i + 1}. ${step.text}`);
    const code =
      step.kind === 'deploy'
        ? await manyCommand('deploy')({ ...sub, args: [step.service] })
        : await restoreCommand({ ...sub, args: [step.service] }).catch((error: unknown) => {
            ctx.err(`✖ ${step.service}: ${error instanceof Error ? error.message : String(error)}`);
            return 1;
          });
    if (code !== 0) failed.push(step.service);
  }
  ctx.err(`${steps.length}. ${steps.at(-1)!.text}`);
  await statusCommand({ ...ctx, json: false, args: [host.name], options: {} });
  if (failed.length) ctx.err(`✖ not restored: ${failed.join(', ')}`);
  return failed.length ? 1 : 0;
}
