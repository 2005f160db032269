// YAML vars files whose values are inline `!vault |` strings (the ansible-vault encrypt_string form),
// or whole files encrypted with ansible-vault. Keys stay readable, values do not.
import { readFileSync } from 'node:fs';
import { Document, isMap, isScalar, parseDocument, Scalar, YAMLMap, type ScalarTag } from 'yaml';
import { isVaulted } from './envelope.ts';
import { VaultFormatError } from './errors.ts';
import { decryptText, encryptText, type VaultSecret } from './vault.ts';

/** An inline vaulted value: the envelope text of `!vault |`. */
export class Vaulted {
  readonly envelope: string;
  constructor(envelope: string) {
    this.envelope = envelope;
  }
}

export const vaultTag: ScalarTag = {
  tag: '!vault',
  identify: (v) => v instanceof Vaulted,
  resolve: (text) => new Vaulted(text),
  stringify: (item, ctx) => {
    const value = (item.value as Vaulted).envelope;
    return `|\n${value
      .trimEnd()
      .split('\n')
      .map((l) => `${ctx.indent}  ${l}`)
      .join('\n')}`;
  },
};

export type VarValue = Vaulted | string | number | boolean | null;

export interface VarsFile {
  /** Whole file encrypted: keys are only known after decryption. */
  wholeFile: boolean;
  entries: Map<string, VarValue>;
}

// Parses vars text; a whole-file vault is decrypted first when secrets are given.
export function parseVars(text: string, file: string, secrets?: VaultSecret[]): VarsFile {
  let body = text;
  let wholeFile = false;
  if (isVaulted(text)) {
    wholeFile = true;
    if (!secrets) return { wholeFile, entries: new Map() };
    body = decryptText(text, secrets, file).plaintext.toString('utf8');
  }
  const doc = parseDocument(body, { customTags: [vaultTag] });
  if (doc.errors.length) throw new VaultFormatError(file, `YAML syntax: ${doc.errors[0]!.message.split('\n')[0]}`, 'fix the YAML syntax');
  const entries = new Map<string, VarValue>();
  if (doc.contents === null) return { wholeFile, entries };
  if (!isMap(doc.contents)) throw new VaultFormatError(file, 'is not a mapping of names to values', 'write KEY: value lines');
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const value = isScalar(pair.value) ? (pair.value.value as VarValue) : null;
    entries.set(key, value);
  }
  return { wholeFile, entries };
}

// Decrypts every value; clear values are returned as they are.
export function decryptVars(vars: VarsFile, secrets: VaultSecret[], file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of vars.entries) {
    out[key] =
      value instanceof Vaulted ? decryptText(value.envelope, secrets, `${file} (${key})`).plaintext.toString('utf8') : String(value ?? '');
  }
  return out;
}

// Writes a vars file with every value vaulted inline, keys in the given order.
export function formatVars(values: Map<string, Vaulted>, header = ''): string {
  const doc = new Document(new YAMLMap(), { customTags: [vaultTag] });
  for (const [key, value] of values) {
    const node = new Scalar(value);
    node.tag = '!vault';
    (doc.contents as YAMLMap).add({ key, value: node });
  }
  return header + doc.toString({ customTags: [vaultTag] } as never);
}

export function readVarsFile(file: string, secrets?: VaultSecret[]): VarsFile {
  return parseVars(readFileSync(file, 'utf8'), file, secrets);
}

export function vaultValue(value: string, secret: VaultSecret): Vaulted {
  return new Vaulted(encryptText(value, secret));
}
