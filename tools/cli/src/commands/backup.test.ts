// The backup commands' edges, no host reached: the restic password (from the vault, generated in the
// lab, or a clear error) and the production guard.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ProductionGuardError, type Inventory } from '@homelab/model';
import { inventory } from '@homelab/model/testing';
import { formatVars, vaultValue } from '@homelab/vault';
import { backupPassword } from './backup-password.ts';
import { backupRunCommand, restoreCommand } from './backup.ts';
import type { CommandContext } from './context.ts';
import { drRestoreCommand } from './dr.ts';

const ctx = <O extends object>(options: O, rest: Partial<CommandContext<O>> = {}): CommandContext<O> => ({
  args: [],
  inventory: 'lab',
  allowProduction: false,
  options,
  json: false,
  out: () => {},
  err: () => {},
  ...rest,
});

function inv(dir: string, over: Partial<Inventory> = {}): Inventory {
  const base = inventory([]);
  return { ...base, ...over, backup: { ...base.backup, passwordFile: join(dir, 'backup.vault.yaml') } };
}

describe('the restic password', () => {
  it('from the inventory vault file, with the vault password', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backup-pw-'));
    const secret = { id: 'default', password: Buffer.from('vault pw'), source: 'test' };
    writeFileSync(join(dir, 'backup.vault.yaml'), formatVars(new Map([['RESTIC_PASSWORD', vaultValue('restic pw', secret)]])));
    writeFileSync(join(dir, 'vault-pass'), 'vault pw\n');
    expect(await backupPassword(ctx({ vaultPasswordFile: [join(dir, 'vault-pass')] }), inv(dir))).toBe('restic pw');
  });

  it('generated once and kept (0600) where the inventory generates secrets; a clear error elsewhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backup-pw-'));
    const lab = inv(dir, { generateMissingSecrets: true, generatedSecretsDir: join(dir, 'secrets') });
    const first = await backupPassword(ctx({}), lab);
    expect(first.length).toBeGreaterThan(20);
    expect(await backupPassword(ctx({}), lab)).toBe(first);
    expect(statSync(join(dir, 'secrets/backup.json')).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(join(dir, 'secrets/backup.json'), 'utf8'))).toEqual({ RESTIC_PASSWORD: first });
    const error = await backupPassword(ctx({}), inv(dir)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String(error)).toMatch(
      /backup\.vault\.yaml: does not exist: the restic password \(RESTIC_PASSWORD\) of inventory test is kept there\n {4}fix: write "RESTIC_PASSWORD: <password>" to it and encrypt it: homelab vault encrypt/,
    );
  });
});

describe('the production guard', () => {
  it('backup run, restore and dr restore refuse the production inventory before any host is reached', async () => {
    const saved = process.env.HOMELAB_ALLOW_PRODUCTION;
    delete process.env.HOMELAB_ALLOW_PRODUCTION;
    try {
      const production = { inventory: 'production' };
      await expect(backupRunCommand(ctx({}, { ...production, args: ['prometheus'] }))).rejects.toBeInstanceOf(ProductionGuardError);
      await expect(restoreCommand(ctx({}, { ...production, args: ['prometheus'] }))).rejects.toBeInstanceOf(ProductionGuardError);
      await expect(drRestoreCommand(ctx({}, { ...production, args: ['ocean'] }))).rejects.toBeInstanceOf(ProductionGuardError);
    } finally {
      if (saved !== undefined) process.env.HOMELAB_ALLOW_PRODUCTION = saved;
    }
  });
});
