// The restic password of an inventory: RESTIC_PASSWORD in its vault file (inventory.backup.passwordFile),
// or, in an inventory that generates missing secrets (the lab), a random one kept on this machine.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ConfigError, type Inventory } from '@homelab/model';
import { decryptVars, readVarsFile, redactOutput } from '@homelab/vault';
import { vaultSecrets } from '../session.ts';
import type { CommandContext, VaultOptions } from './context.ts';

export const passwordName = 'RESTIC_PASSWORD';

export async function backupPassword(ctx: CommandContext<VaultOptions>, inventory: Inventory): Promise<string> {
  const file = inventory.backup.passwordFile;
  const shown = relative(process.cwd(), file) || file;
  let value: string | undefined;
  if (existsSync(file)) {
    const vault = await vaultSecrets(ctx);
    value = decryptVars(readVarsFile(file, vault), vault, shown)[passwordName];
    if (!value)
      throw new ConfigError([
        { file: shown, path: passwordName, message: 'has no value', hint: `add ${passwordName} to ${shown}, encrypted with ansible-vault` },
      ]);
  } else if (inventory.generateMissingSecrets) {
    const store = join(inventory.generatedSecretsDir, 'backup.json');
    const saved = existsSync(store) ? (JSON.parse(readFileSync(store, 'utf8')) as Record<string, string>) : {};
    if (!saved[passwordName]) {
      saved[passwordName] = randomBytes(24).toString('base64url');
      mkdirSync(dirname(store), { recursive: true, mode: 0o700 });
      writeFileSync(store, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
    }
    value = saved[passwordName];
  } else
    throw new ConfigError([
      {
        file: shown,
        path: '',
        message: `does not exist: the restic password (${passwordName}) of inventory ${inventory.name} is kept there`,
        hint: `write "${passwordName}: <password>" to it and encrypt it: homelab vault encrypt ${shown}`,
      },
    ]);
  redactOutput([value!]);
  return value!;
}
