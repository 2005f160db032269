// `homelab up`: the main job on the embedded default: lab up, deploy every lab-runnable service, status.
import { publicDomains } from '@homelab/edge';
import { labCaDir, labCertificates, labUp } from '@homelab/lab';
import { catalogOf, findWorkspaceRoot } from '@homelab/model';
import { loadFailure, loadWorkspace, selectRunnable } from '../workspace.ts';
import type { CommandContext } from './context.ts';
import { manyCommand } from './deploy.ts';
import { statusCommand } from './status.ts';

export async function upCommand(ctx: CommandContext<{ apps?: string[] }>): Promise<number> {
  const root = findWorkspaceRoot();
  ctx.out('==> bringing up the lab');
  await labUp(root, ctx.out);
  // Applications built from source (Strapi, PayloadCMS) only when asked: minutes of build on first use.
  const extraImages = ctx.options.apps?.length ? await appImages(ctx.options.apps, root, ctx.out) : {};
  const { workspace, issues } = await loadWorkspace('lab', root, extraImages);
  const { services: runnable, skipped } = selectRunnable(workspace, [], issues);
  // The lab's CA stands in for Let's Encrypt: a certificate for each public domain the lab serves, where nginx reads it.
  const proxy = runnable.find((s) => s.name === 'nginx');
  const domains = publicDomains(catalogOf(runnable, workspace.inventory));
  if (proxy && domains.length) {
    await labCertificates(workspace.inventory.hosts[proxy.spec.host]!.paths.config, domains);
    ctx.out(`==> lab certificates for ${domains.join(', ')} (trust ${labCaDir}/ca.pem)`);
  }
  ctx.out(`==> deploying ${runnable.length} lab-runnable service(s): ${runnable.map((s) => s.name).join(', ')}`);
  if (skipped.length)
    ctx.out(
      `    (not runnable in the lab: ${skipped.map((s) => `${s.service} [${s.why.replace(/^not runnable in inventory lab: /, '')}]`).join(', ')})`,
    );
  // A service.ts that cannot be loaded is said, and fails the job, while the others still deploy.
  for (const [name, found] of issues) ctx.err(`✖ ${name} ${loadFailure(found)}`);
  const deployed = await manyCommand('deploy')({ ...ctx, inventory: 'lab', args: runnable.map((s) => s.name), options: { extraImages } });
  ctx.out('==> status');
  const status = await statusCommand({ ...ctx, inventory: 'lab', args: [], options: {} });
  return deployed || status || (issues.size ? 1 : 0);
}

// Builds the named application images (once per machine) and maps the packages' images to them.
export async function appImages(apps: string[], root: string, log: (line: string) => void): Promise<Record<string, string>> {
  const { appImageMap, appLabImages, ensureAppImages } = await import('@homelab/lab/apps');
  log(`==> lab application images: ${apps.join(', ')} (built from source once per machine: minutes the first time)`);
  await ensureAppImages(apps, root, log);
  const refs = new Set(apps.map((a) => appLabImages[a]!.ref));
  return Object.fromEntries(Object.entries(appImageMap).filter(([, lab]) => refs.has(lab)));
}
