// `homelab vault encrypt|decrypt|view|edit|rekey|set|import` with ansible-vault's flags.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { ConfigError, findWorkspaceRoot, HomelabError, type ConfigIssue } from '@homelab/model';
import {
  clearVars,
  decryptText,
  decryptVars,
  encryptText,
  isVaulted,
  parseVars,
  rekeyText,
  resolveVaultSecrets,
  revaultEdited,
  secretNamePattern,
  secretsFileName,
  secretsHeader,
  setSecret,
  terminalPrompt,
  writeFileAtomic,
  type VaultSecret,
} from '@homelab/vault';
import { vaultSecrets } from '../session.ts';
import type { CommandContext, VaultOptions } from './context.ts';

export interface VaultCommandOptions extends VaultOptions {
  /** The vault id new values are encrypted with (ansible-vault's --encrypt-vault-id). */
  encryptVaultId?: string;
  output?: string;
  map?: string;
  newVaultId?: string;
  newVaultPasswordFile?: string;
  allowEmpty?: boolean;
}

type Ctx = CommandContext<VaultCommandOptions>;

function pick(secrets: VaultSecret[], id: string | undefined): VaultSecret {
  if (id === undefined) return secrets[0]!;
  const found = secrets.find((s) => s.id === id);
  if (!found)
    throw new HomelabError(`--encrypt-vault-id ${id}: no vault secret with that id`, { hint: `give it with --vault-id ${id}@FILE` });
  return found;
}

function readText(file: string): string {
  if (!existsSync(file)) throw new HomelabError(`${file}: no such file`, { hint: 'check the path' });
  if (!statSync(file).isFile())
    throw new HomelabError(`${file}: is not a file`, { hint: 'name a vault file, e.g. packages/plex/secrets.vault.yaml' });
  return readFileSync(file, 'utf8');
}

function editInMemory(content: string): string {
  const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
  const dir = mkdtempSync(join(base, 'homelab-vault-'));
  const file = join(dir, 'edit.yaml');
  try {
    writeFileSync(file, content, { mode: 0o600 });
    const editor = process.env.EDITOR || process.env.VISUAL || 'vi';
    const r = spawnSync('sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit' });
    if (r.status !== 0)
      throw new HomelabError(`the editor (${editor}) exited with ${r.status}; nothing was changed`, {
        hint: 'set EDITOR to a working editor',
      });
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function newSecret(ctx: Ctx): Promise<VaultSecret> {
  const ids = ctx.options.newVaultId ? [ctx.options.newVaultId] : [];
  const files = ctx.options.newVaultPasswordFile ? [ctx.options.newVaultPasswordFile] : [];
  if (!ids.length && !files.length) {
    const prompt = terminalPrompt();
    if (!prompt)
      throw new HomelabError('rekey needs the new password', { hint: 'pass --new-vault-password-file FILE or --new-vault-id label@FILE' });
    return { id: 'default', password: Buffer.from(await prompt('New vault password: ')), source: 'the prompt' };
  }
  return (await resolveVaultSecrets({ vaultIds: ids, passwordFiles: files, env: {} }))[0]!;
}

export const vaultActions: Record<string, (ctx: Ctx, args: string[]) => Promise<number>> = {
  async encrypt(ctx, [file]) {
    const text = readText(file!);
    if (isVaulted(text)) throw new HomelabError(`${file}: is already encrypted`, { hint: 'use rekey to change its password' });
    const secret = pick(await vaultSecrets(ctx), ctx.options.encryptVaultId);
    writeFileAtomic(ctx.options.output ?? file!, encryptText(readFileSync(file!), secret));
    ctx.err('Encryption successful');
    return 0;
  },
  async decrypt(ctx, [file]) {
    const text = readText(file!);
    if (!isVaulted(text))
      throw new HomelabError(`${file}: is not vault encrypted as a whole`, { hint: 'for inline !vault values use `homelab vault view`' });
    const { plaintext } = decryptText(text, await vaultSecrets(ctx), file!);
    const output = ctx.options.output ?? file!;
    if (output === '-') process.stdout.write(plaintext);
    else writeFileAtomic(output, plaintext);
    ctx.err('Decryption successful');
    return 0;
  },
  async view(ctx, [file]) {
    const text = readText(file!);
    const secrets = await vaultSecrets(ctx);
    process.stdout.write(isVaulted(text) ? decryptText(text, secrets, file!).plaintext : clearVars(text, file!, secrets));
    return 0;
  },
  async edit(ctx, [file]) {
    const secrets = await vaultSecrets(ctx);
    const text = existsSync(file!) ? readFileSync(file!, 'utf8') : '';
    if (isVaulted(text)) {
      const { plaintext, secret } = decryptText(text, secrets, file!);
      const edited = editInMemory(plaintext.toString('utf8'));
      if (edited !== plaintext.toString('utf8')) writeFileAtomic(file!, encryptText(edited, secret));
    } else {
      const clear = text ? clearVars(text, file!, secrets) : '';
      const edited = editInMemory(clear);
      if (edited !== clear)
        writeFileAtomic(file!, revaultEdited(edited, text || secretsHeader, file!, secrets, pick(secrets, ctx.options.encryptVaultId)));
    }
    return 0;
  },
  async rekey(ctx, [file]) {
    const text = readText(file!);
    const secrets = await vaultSecrets(ctx);
    const next = await newSecret(ctx);
    writeFileAtomic(file!, rekeyText(text, file!, secrets, next));
    ctx.err('Rekey successful');
    return 0;
  },
  async set(ctx, [service, key]) {
    if (!service || !key) throw new HomelabError('usage: homelab vault set SERVICE KEY (the value is read from stdin)');
    const dir = join(findWorkspaceRoot(), 'packages', service);
    if (!existsSync(join(dir, 'service.ts')))
      throw new ConfigError([{ file: `packages/${service}`, path: '', message: `no service named "${service}"` }]);
    const value = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
    const secrets = await vaultSecrets(ctx);
    setSecret(join(dir, secretsFileName), key, value, pick(secrets, ctx.options.encryptVaultId), secrets, {
      allowEmpty: ctx.options.allowEmpty,
    });
    ctx.err(`${key} set in packages/${service}/${secretsFileName}`);
    return 0;
  },
  // import VARS_FILE --map MAPPING: MAPPING is YAML, service -> { NEW_NAME: old_var } or [old_var, ...].
  async import(ctx, [varsFile]) {
    const mapFile = ctx.options.map;
    if (!varsFile || typeof mapFile !== 'string') throw new HomelabError('usage: homelab vault import VARS_FILE --map MAPPING.yaml');
    const secrets = await vaultSecrets(ctx);
    const values = decryptVars(parseVars(readText(varsFile), varsFile, secrets), secrets, varsFile);
    const mapping = (parse(readText(mapFile)) ?? {}) as Record<string, Record<string, string> | string[]>;
    const root = findWorkspaceRoot();
    const secret = pick(secrets, ctx.options.encryptVaultId);
    const plan = Object.entries(mapping).map(([service, spec]) => ({
      service,
      pairs: Array.isArray(spec) ? spec.map((v) => [v, v] as const) : Object.entries(spec),
    }));
    // Everything is checked before the first file is written: an import stops whole, not half-way.
    const missing: string[] = [];
    const issues: ConfigIssue[] = [];
    for (const { service, pairs } of plan) {
      if (!existsSync(join(root, 'packages', service, 'service.ts')))
        issues.push({ file: mapFile, path: service, message: `no service named "${service}"`, hint: 'map to a package under packages/' });
      for (const [name, from] of pairs) {
        if (!(from in values)) missing.push(`${service}.${name} <- ${from}`);
        if (!secretNamePattern.test(name))
          issues.push({
            file: mapFile,
            path: `${service}.${name}`,
            message: 'is not an environment variable name',
            hint: `map it to one, e.g. ${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}: ${from}`,
          });
      }
    }
    if (issues.length) throw new ConfigError(issues);
    if (missing.length)
      throw new HomelabError(`${varsFile} has no variables for: ${missing.join(', ')}; nothing was written`, {
        hint: `check the names in ${mapFile}`,
      });
    for (const { service, pairs } of plan) {
      const file = join(root, 'packages', service, secretsFileName);
      for (const [name, from] of pairs) setSecret(file, name, values[from]!, secret, secrets, { allowEmpty: ctx.options.allowEmpty });
      ctx.err(`packages/${service}/${secretsFileName}: ${pairs.length} secret(s)`);
    }
    return 0;
  },
};
