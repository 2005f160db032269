// Encrypt and decrypt ansible-vault text (1.1 and 1.2) with one or several vault secrets.
import { decryptPayload, encryptPayload, splitPayload } from './cipher.ts';
import { formatEnvelope, parseEnvelope } from './envelope.ts';
import { VaultDecryptError } from './errors.ts';

/** A vault password and the id it is known by ("default" for --vault-password-file). */
export interface VaultSecret {
  id: string;
  password: Buffer;
  /** Where it came from, for messages: "ANSIBLE_VAULT_PASSWORD", "--vault-password-file pw.txt". */
  source: string;
}

export function encryptText(plaintext: Buffer | string, secret: VaultSecret, options: { salt?: Buffer } = {}): string {
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  return formatEnvelope(encryptPayload(data, secret.password, options.salt), secret.id);
}

// Tries the secret whose id the file names first, then the others (as ansible does).
export function decryptText(
  text: string,
  secrets: VaultSecret[],
  file: string,
): { plaintext: Buffer; secret: VaultSecret; vaultId: string | undefined } {
  const envelope = parseEnvelope(text, file);
  const parts = splitPayload(envelope.payload, file);
  const ordered = [...secrets.filter((s) => s.id === envelope.vaultId), ...secrets.filter((s) => s.id !== envelope.vaultId)];
  for (const secret of ordered) {
    const plaintext = decryptPayload(parts, secret.password, file);
    if (plaintext) return { plaintext, secret, vaultId: envelope.vaultId };
  }
  throw new VaultDecryptError(
    file,
    ordered.map((s) => s.source),
  );
}
