// `homelab render <service> --inventory <env>`: prints the rendered files with secrets masked.
import { renderRelease } from '@homelab/render';
import { ConfigError } from '@homelab/model';
import { loadWorkspace, selectServices } from '../workspace.ts';
import type { CommandContext } from './context.ts';

export async function renderCommand(ctx: CommandContext): Promise<number> {
  const { workspace, issues } = await loadWorkspace(ctx.inventory);
  for (const svc of selectServices(workspace, ctx.args, issues)) {
    const host = workspace.inventory.hosts[svc.spec.host];
    if (!host)
      throw new ConfigError([
        { file: svc.files.service, path: 'host', message: `host "${svc.spec.host}" is not in inventory ${workspace.inventory.name}` },
      ]);
    const masked = Object.fromEntries(svc.spec.secrets.map((n) => [n, '********']));
    const r = renderRelease(svc, { host, images: workspace.inventory.images }, masked);
    ctx.out(`--- ${svc.name} on ${host.name}: compose.yaml\n${r.compose}--- .env (values masked)\n${r.env}--- ${r.unitName}\n${r.unit}`);
  }
  return 0;
}
