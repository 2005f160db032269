// What commands that reach hosts share: executors (guarded for production), git sha, secrets, logging.
import { LocalExecutor, SshExecutor, productionAllowed, type Executor } from '@homelab/host';
import { ConfigError, ProductionGuardError, type HostSpec, type Inventory, type LoadedService } from '@homelab/model';
import type { CommandContext } from './commands/context.ts';

export function executorFactory(ctx: CommandContext, inventory: Inventory): (host: HostSpec) => Executor {
  const allow = ctx.allowProduction || productionAllowed();
  if (inventory.production && !allow) throw new ProductionGuardError(inventory.name, Object.keys(inventory.hosts).join(', '));
  return (host) => new SshExecutor(host, { allowProduction: allow });
}

// The commit being deployed, with "-dirty" when the service's files have uncommitted changes.
export async function gitSha(root: string, paths: string[] = []): Promise<string> {
  const git = new LocalExecutor({ cwd: root, env: process.env as Record<string, string> });
  const head = await git.run(['git', 'rev-parse', '--short=12', 'HEAD'], { allowFailure: true });
  if (head.exitCode !== 0) return 'unknown';
  const dirty = await git.run(['git', 'status', '--porcelain', '--', ...paths], { allowFailure: true });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? '-dirty' : ''}`;
}

// Secret values for a service. The vault library (ansible-vault format) supplies them; until a
// service has a secrets file, a service that names secrets cannot be deployed.
export async function secretsFor(svc: LoadedService): Promise<Record<string, string>> {
  if (svc.spec.secrets.length === 0) return {};
  throw new ConfigError([
    {
      file: svc.files.service,
      path: 'secrets',
      message: `names secrets (${svc.spec.secrets.join(', ')}) but their values cannot be read yet`,
      hint: svc.secretsFile ? 'vault decryption is not built yet (see the "Secrets" issue)' : `create packages/${svc.name}/secrets.vault.yaml`,
    },
  ]);
}

export function progressLogger(ctx: CommandContext): (service: string, host: string, message: string) => void {
  const start = Date.now();
  return (service, host, message) => ctx.err(`[${((Date.now() - start) / 1000).toFixed(1).padStart(5)}s] ${host}/${service}: ${message}`);
}
