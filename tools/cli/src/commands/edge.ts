// `homelab edge plan|apply`: Cloudflare Zero Trust Access applications for every public domain of the
// catalog, with their reusable policies. plan reads the account and prints the diff; apply makes the
// changes (only when asked). The account id and API token come from the inventory's
// cloudflare.vault.yaml (ansible-vault, like every secret); a production inventory needs
// --allow-production or HOMELAB_ALLOW_PRODUCTION=1, as deploys do.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { applyAccessPlan, cloudflareApi, formatAccessPlan, readAccessPlan, wantedApps, type Fetch } from '@homelab/edge';
import { productionAllowed } from '@homelab/host';
import { catalogOf, ConfigError, ProductionGuardError } from '@homelab/model';
import { decryptVars, readVarsFile } from '@homelab/vault';
import { vaultSecrets } from '../session.ts';
import { loadWorkspace } from '../workspace.ts';
import type { CommandContext, VaultOptions } from './context.ts';

export const edgeSecretsFile = 'cloudflare.vault.yaml';

export async function edgeCommand(ctx: CommandContext<VaultOptions>, fetchFn: Fetch = fetch, root?: string): Promise<number> {
  const [action] = ctx.args;
  const { workspace, issues } = await loadWorkspace(ctx.inventory, root);
  // Access follows every public domain: with a service that cannot be loaded, the plan would delete its application.
  if (issues.size) throw new ConfigError([...issues.values()].flat());
  const inventory = workspace.inventory;
  if (inventory.production && !(ctx.allowProduction || productionAllowed())) throw new ProductionGuardError(inventory.name, 'Cloudflare');
  const file = join(inventory.dir, edgeSecretsFile);
  const display = relative(workspace.root, file);
  if (!existsSync(file))
    throw new ConfigError([
      {
        file: display,
        path: '',
        message: `inventory ${inventory.name} has no Cloudflare account: ${display} does not exist`,
        hint: `put CLOUDFLARE_ACCOUNT_ID and CLOUDFLARE_ACCESS_TOKEN (Access: Apps and Policies Edit) in it with ansible-vault encrypt_string, or: npx homelab vault encrypt ${display}`,
      },
    ]);
  const secrets = await vaultSecrets(ctx);
  const values = decryptVars(readVarsFile(file, secrets), secrets, display);
  const missing = ['CLOUDFLARE_ACCOUNT_ID', 'CLOUDFLARE_ACCESS_TOKEN'].filter((k) => !values[k]);
  if (missing.length)
    throw new ConfigError(missing.map((k) => ({ file: display, path: k, message: 'has no value', hint: `add ${k} to ${display}` })));
  const api = cloudflareApi(values.CLOUDFLARE_ACCOUNT_ID!, values.CLOUDFLARE_ACCESS_TOKEN!, fetchFn);
  const { plan, policies } = await readAccessPlan(api, wantedApps(catalogOf(workspace.services, inventory)));
  if (ctx.json && action === 'plan') {
    ctx.out(JSON.stringify(plan, null, 2));
    return 0;
  }
  for (const line of formatAccessPlan(plan)) ctx.out(line);
  if (action !== 'apply' || plan.changes.length === 0) return plan.missingPolicies.length ? 1 : 0;
  for (const line of await applyAccessPlan(api, plan, policies)) ctx.out(`done: ${line}`);
  return 0;
}
