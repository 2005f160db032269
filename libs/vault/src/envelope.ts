// Pure: the ansible-vault text envelope: `$ANSIBLE_VAULT;1.1;AES256[;id]` then hex in 80-column lines.
import { VaultFormatError } from './errors.ts';

export const vaultHeader = '$ANSIBLE_VAULT';

export interface Envelope {
  version: '1.1' | '1.2';
  cipher: 'AES256';
  vaultId: string | undefined;
  /** The hexlified payload (itself hex(salt) \n hmac \n hex(ciphertext)), without line breaks. */
  payload: string;
}

export function isVaulted(text: string): boolean {
  return text.trimStart().startsWith(`${vaultHeader};`);
}

// Formats like ansible: header, payload in 80-character lines, a final newline. A vault id other
// than "default" makes it version 1.2.
export function formatEnvelope(payload: string, vaultId?: string): string {
  const id = vaultId && vaultId !== 'default' ? vaultId : undefined;
  const header = id ? `${vaultHeader};1.2;AES256;${id}` : `${vaultHeader};1.1;AES256`;
  const lines = [header];
  for (let i = 0; i < payload.length; i += 80) lines.push(payload.slice(i, i + 80));
  return `${lines.join('\n')}\n`;
}

export function parseEnvelope(text: string, file: string): Envelope {
  const lines = text
    .trim()
    .split(/\r?\n/)
    .map((l) => l.trim());
  const header = lines[0] ?? '';
  const parts = header.split(';');
  if (parts[0] !== vaultHeader)
    throw new VaultFormatError(file, 'is not an ansible-vault file (no $ANSIBLE_VAULT header)', 'encrypt it with `homelab vault encrypt`');
  const [, version, cipher, vaultId] = parts;
  if (version !== '1.1' && version !== '1.2')
    throw new VaultFormatError(
      file,
      `unknown vault format version "${version}" (known: 1.1, 1.2)`,
      'use ansible-vault 2.4 or later formats',
    );
  if (cipher !== 'AES256')
    throw new VaultFormatError(
      file,
      `unknown vault cipher "${cipher}" (only AES256 is supported)`,
      're-encrypt it with ansible-vault or homelab vault (AES256)',
    );
  const payload = lines.slice(1).join('');
  if (!payload) throw new VaultFormatError(file, 'is truncated: the header has no data after it');
  if (!/^[0-9a-fA-F]*$/.test(payload)) throw new VaultFormatError(file, 'is corrupt: the vault data is not hexadecimal');
  if (payload.length % 2) throw new VaultFormatError(file, 'is truncated: the vault data has an odd number of hex digits');
  return { version, cipher, vaultId: version === '1.2' ? vaultId : undefined, payload };
}
