// What commands that reach hosts share: executors (guarded for production), git sha, secrets, logging.
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { LocalExecutor, SshExecutor, productionAllowed, type Executor, type RetryNotice } from '@homelab/host';
import { ConfigError, ProductionGuardError, type HostSpec, type Inventory, type LoadedService } from '@homelab/model';
import {
  decryptVars,
  generatedSecrets,
  readServiceSecrets,
  passwordGiven,
  readVarsFile,
  redactOutput,
  resolveVaultSecrets,
  terminalPrompt,
  type VaultSecret,
} from '@homelab/vault';
import type { CommandContext, VaultOptions } from './commands/context.ts';

// True when the command may not reach this inventory's hosts: production, without permission.
export function productionRefused(ctx: CommandContext, inventory: Inventory): boolean {
  return inventory.production && !(ctx.allowProduction || productionAllowed());
}

export function executorFactory(ctx: CommandContext, inventory: Inventory): (host: HostSpec) => Executor {
  if (productionRefused(ctx, inventory)) throw new ProductionGuardError(inventory.name, Object.keys(inventory.hosts).join(', '));
  const onRetry = (name: string, n: RetryNotice) =>
    ctx.err(`${name}: connection failed (${n.reason}); trying again in ${n.delayMs / 1000}s (for up to ${n.windowSeconds}s)`);
  return (host) => new SshExecutor(host, { allowProduction: ctx.allowProduction || productionAllowed(), onRetry });
}

// One executor per host for a command, made at the first need. Given the services a command names (all
// of them: []), the workspace load starts the connection to each of their hosts as soon as the service
// is loaded, so that the connection and the login shell on the host start while the rest loads. Nothing
// runs on a host, and a production inventory without permission connects to nothing: it is refused
// where it always was, once a host is needed.
export function hostExecutors(ctx: CommandContext, names: readonly string[] | undefined, make = executorFactory) {
  const made = new Map<string, Executor>();
  let factory: ((host: HostSpec) => Executor) | undefined;
  // The guarded factory, made once (it throws for a production inventory without permission).
  const guarded = (inventory: Inventory) => {
    factory ??= make(ctx, inventory);
    return factory;
  };
  const executor = (inventory: Inventory, host: HostSpec): Executor => {
    const found = made.get(host.name) ?? guarded(inventory)(host);
    made.set(host.name, found);
    return found;
  };
  const placed = (svc: LoadedService, host: HostSpec | undefined, inventory: Inventory) => {
    if (!host || made.has(host.name) || (names?.length && !names.includes(svc.name))) return;
    if (productionRefused(ctx, inventory)) return;
    executor(inventory, host).connect?.();
  };
  return {
    hooks: names ? { first: names, placed } : {},
    factory: (inventory: Inventory) => {
      guarded(inventory);
      return (host: HostSpec) => executor(inventory, host);
    },
    /** Ends every connection started, used or not. */
    close: () => Promise.all([...made.values()].map((e) => e.close())),
  };
}

// Who acts, for the host's history: the CI actor, else the git user of the checkout, else user@machine.
export async function actor(root: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.GITHUB_ACTOR) return `${env.GITHUB_ACTOR} (GitHub Actions${env.GITHUB_RUN_ID ? ` run ${env.GITHUB_RUN_ID}` : ''})`;
  const git = new LocalExecutor({ cwd: root, env: env as Record<string, string> });
  // Both keys from one git process.
  const found = (await git.run(['git', 'config', '--get-regexp', '^user\\.(name|email)$'], { allowFailure: true })).stdout;
  const value = (key: string) => found.match(new RegExp(`^user\\.${key} (.*)$`, 'm'))?.[1]?.trim() ?? '';
  const [name, email] = [value('name'), value('email')];
  if (name || email) return [name, email && `<${email}>`].filter(Boolean).join(' ');
  return `${userInfo().username}@${hostname()}`;
}

// The commit being deployed, with "-dirty" when the service's files have uncommitted changes.
export async function gitSha(root: string, paths: string[] = []): Promise<string> {
  const git = new LocalExecutor({ cwd: root, env: process.env as Record<string, string> });
  // The commit and the state of the paths from one git process (porcelain v2 names the commit in a header).
  const status = await git.run(['git', 'status', '--porcelain=v2', '--branch', '--', ...paths], { allowFailure: true });
  const head = status.stdout.match(/^# branch\.oid ([0-9a-f]{12})/m)?.[1];
  if (status.exitCode !== 0 || !head) return 'unknown';
  const dirty = status.stdout.split('\n').some((line) => line !== '' && !line.startsWith('#'));
  return `${head}${dirty ? '-dirty' : ''}`;
}

function passwordOptions(ctx: CommandContext<VaultOptions>) {
  return { vaultIds: ctx.options.vaultId ?? [], passwordFiles: ctx.options.vaultPasswordFile ?? [] };
}

// Vault passwords from the flags, the environment or (on a terminal) a prompt.
export function vaultSecrets(ctx: CommandContext<VaultOptions>): Promise<VaultSecret[]> {
  return resolveVaultSecrets({ ...passwordOptions(ctx), prompt: terminalPrompt() });
}

// Vault passwords only when some were given (no prompt): for checks that can do without.
export async function vaultSecretsIfGiven(ctx: CommandContext<VaultOptions>): Promise<VaultSecret[] | undefined> {
  return passwordGiven(passwordOptions(ctx)) ? vaultSecrets(ctx) : undefined;
}

// Reads every service's secrets before any host is contacted, and masks their values in all output.
// An inventory that generates missing secrets (the lab) uses the vault when a password was given,
// and gives every secret still without a value a throw-away one.
export async function resolveAllSecrets(
  ctx: CommandContext<VaultOptions>,
  services: LoadedService[],
  inventory?: Inventory,
): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  const needed = services.filter((s) => s.spec.secrets.length);
  if (needed.length === 0) return out;
  const generateIn = inventory?.generateMissingSecrets ? inventory.generatedSecretsDir : undefined;
  const anyFile = needed.some((s) => s.secretsFile);
  const vault = !anyFile ? [] : generateIn !== undefined ? ((await vaultSecretsIfGiven(ctx)) ?? []) : await vaultSecrets(ctx);
  const issues = [];
  for (const svc of needed) {
    try {
      const values =
        generateIn !== undefined
          ? generatedSecrets(
              svc,
              svc.secretsFile && vault.length ? decryptVars(readVarsFile(svc.secretsFile, vault), vault, svc.secretsFile) : {},
              join(generateIn, `${svc.name}.json`),
            )
          : readServiceSecrets(svc, vault);
      redactOutput(Object.values(values));
      out.set(svc.name, values);
    } catch (error) {
      if (error instanceof ConfigError) issues.push(...error.issues);
      else throw error;
    }
  }
  if (issues.length) throw new ConfigError(issues);
  return out;
}

export function progressLogger(ctx: CommandContext): (service: string, host: string, message: string) => void {
  const start = Date.now();
  return (service, host, message) => ctx.err(`[${((Date.now() - start) / 1000).toFixed(1).padStart(5)}s] ${host}/${service}: ${message}`);
}
