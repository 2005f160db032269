// `homelab render <service> --inventory <env>`: prints every file of the release (compose.yaml, .env,
// the systemd unit, files/ with the ones generated from the catalog, the secret files), secrets masked.
import { ConfigError, maskText } from '@homelab/model';
import { releaseFiles, renderRelease } from '@homelab/render';
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
    const masked = Object.fromEntries(svc.spec.secrets.map((n) => [n, maskText]));
    const release = renderRelease(svc, { host, images: workspace.inventory.images }, masked);
    const generated = new Set((svc.generatedPaths ?? []).map((p) => `files/${p}`));
    for (const file of releaseFiles(release)) {
      const note =
        file.name === '.env' || file.name.startsWith('secrets/')
          ? ' (values masked)'
          : generated.has(file.name)
            ? ' (generated from the catalog)'
            : '';
      const text = file.content.endsWith('\n') || file.content === '' ? file.content : `${file.content}\n`;
      ctx.out(`--- ${svc.name} on ${host.name}: ${file.name}${note}\n${text}`);
    }
  }
  return 0;
}
