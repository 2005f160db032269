// Operations on a vault file's text: the clear view of inline values, re-vaulting edited values,
// re-keying, and writing a file atomically. The CLI reads and prompts; the text work happens here.
import { existsSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { parse } from 'yaml';
import { decryptText, encryptText, type VaultSecret } from './vault.ts';
import { isVaulted } from './envelope.ts';
import { decryptVars, formatVars, parseVars, Vaulted, vaultValue } from './vars-file.ts';

// The first comment line of a vars file, kept when it is written again.
function header(text: string): string {
  return text.startsWith('#') ? `${text.split('\n')[0]}\n` : '';
}

// Clear YAML of a vars file with inline vaulted values (for view and edit).
export function clearVars(text: string, file: string, secrets: VaultSecret[]): string {
  const values = decryptVars(parseVars(text, file), secrets, file);
  return Object.entries(values)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`)
    .join('');
}

// Re-vaults edited values; unchanged ones keep their ciphertext so the git diff shows only what changed.
export function revaultEdited(edited: string, before: string, file: string, secrets: VaultSecret[], secret: VaultSecret): string {
  const old = parseVars(before, file);
  const oldClear = decryptVars(old, secrets, file);
  const next = (parse(edited) ?? {}) as Record<string, unknown>;
  const out = new Map<string, Vaulted>();
  for (const [k, v] of Object.entries(next)) {
    const value = String(v ?? '');
    const prev = old.entries.get(k);
    out.set(k, prev instanceof Vaulted && oldClear[k] === value ? prev : vaultValue(value, secret));
  }
  return formatVars(out, header(before));
}

// The same file encrypted with `next`: a whole-file vault stays whole, inline values stay inline.
export function rekeyText(text: string, file: string, secrets: VaultSecret[], next: VaultSecret): string {
  if (isVaulted(text)) return encryptText(decryptText(text, secrets, file).plaintext, next);
  const values = decryptVars(parseVars(text, file), secrets, file);
  return formatVars(new Map(Object.entries(values).map(([k, v]) => [k, vaultValue(v, next)])), header(text));
}

// Writes through a temporary file in the same folder and a rename: a reader sees the old file or the
// new one, never half of one; an existing file keeps its mode.
export function writeFileAtomic(file: string, content: string | Buffer): void {
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o644;
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}
