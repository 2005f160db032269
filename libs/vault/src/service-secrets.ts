// Per-service secrets: packages/<service>/secrets.vault.yaml, KEY: !vault | ... (keys readable, values not).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, type ConfigIssue, type LoadedService } from '@homelab/model';
import { formatVars, parseVars, decryptVars, Vaulted, vaultValue, type VarsFile } from './vars-file.ts';
import { decryptText, encryptText, type VaultSecret } from './vault.ts';
import { isVaulted } from './envelope.ts';
import { writeFileAtomic } from './vault-file.ts';

export const secretsFileName = 'secrets.vault.yaml';
export const secretsHeader =
  '# Secrets of this service: names in clear, values encrypted with ansible-vault (homelab vault set <service> <KEY>).\n';

function relative(svc: LoadedService): string {
  return `packages/${svc.name}/${secretsFileName}`;
}

// Names in the file (without a password for inline values; undefined for a whole-file vault).
export function secretNames(file: string): string[] | undefined {
  const vars = parseVars(readFileSync(file, 'utf8'), file);
  return vars.wholeFile ? undefined : [...vars.entries.keys()];
}

// A secret missing from the secrets file is an error, an unused one a warning, a clear value an error;
// with the vault password(s), every value is decrypted (a tampered or foreign one is an error naming it).
// A service without any secrets file yet (its values still in the old Ansible vault) is a warning
// for validate, and an error at deploy time (readServiceSecrets): nothing deploys without its secrets.
export function checkServiceSecrets(svc: LoadedService, secrets?: VaultSecret[]): { errors: ConfigIssue[]; warnings: ConfigIssue[] } {
  const file = relative(svc);
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  const required = svc.spec.secrets.filter((n) => !svc.spec.optionalSecrets.includes(n));
  if (!svc.secretsFile) {
    if (required.length)
      warnings.push({
        file: svc.files.service,
        path: 'secrets',
        message: `${file} does not exist yet, so ${required.join(', ')} cannot be deployed`,
        hint: `npx homelab vault import <ansible vars file> --map <mapping>, or: echo -n VALUE | npx homelab vault set ${svc.name} <KEY>`,
      });
    return { errors, warnings };
  }
  let vars: VarsFile;
  try {
    vars = parseVars(readFileSync(svc.secretsFile, 'utf8'), file, secrets);
  } catch (error) {
    return {
      errors: [{ file, path: '', message: (error as Error).message.replace(`${file}: `, ''), hint: 'fix or restore the secrets file' }],
      warnings,
    };
  }
  if (vars.wholeFile && !secrets) {
    warnings.push({
      file,
      path: '',
      message: 'is encrypted as a whole, so its secret names cannot be checked without the vault password',
      hint: 'set ANSIBLE_VAULT_PASSWORD, or keep values inline (homelab vault set)',
    });
    return { errors, warnings };
  }
  for (const name of required) {
    if (!vars.entries.has(name))
      errors.push({
        file: svc.files.service,
        path: 'secrets',
        message: `secret ${name} is not in ${file}`,
        hint: `echo -n VALUE | npx homelab vault set ${svc.name} ${name}`,
      });
  }
  for (const [name, value] of vars.entries) {
    if (!svc.spec.secrets.includes(name))
      warnings.push({
        file,
        path: name,
        message: `secret ${name} is not used by the service`,
        hint: `name it in secrets of ${svc.files.service}, or remove it`,
      });
    else if (!vars.wholeFile && !(value instanceof Vaulted))
      errors.push({
        file,
        path: name,
        message: `secret ${name} is stored in clear text`,
        hint: `encrypt it: npx homelab vault set ${svc.name} ${name}`,
      });
    if (secrets && value instanceof Vaulted) {
      try {
        decryptText(value.envelope, secrets, `${file} (${name})`);
      } catch (error) {
        errors.push({
          file,
          path: name,
          message: `cannot be decrypted: ${(error as Error).message.split('\n')[0]}`,
          hint: `restore the file from git, or set the value again: echo -n VALUE | npx homelab vault set ${svc.name} ${name}`,
        });
      }
    }
  }
  return { errors, warnings };
}

// The values of the secrets a service names; throws before anything is deployed when one cannot be read.
export function readServiceSecrets(svc: LoadedService, secrets: VaultSecret[]): Record<string, string> {
  if (svc.spec.secrets.length === 0) return {};
  const required = svc.spec.secrets.filter((n) => !svc.spec.optionalSecrets.includes(n));
  if (!svc.secretsFile) {
    if (required.length === 0) return Object.fromEntries(svc.spec.secrets.map((n) => [n, '']));
    throw new ConfigError(
      required.map((name) => ({
        file: svc.files.service,
        path: 'secrets',
        message: `secret ${name} has no value: ${relative(svc)} does not exist`,
        hint: `echo -n VALUE | npx homelab vault set ${svc.name} ${name}`,
      })),
    );
  }
  const { errors } = checkServiceSecrets(svc, secrets);
  if (errors.length) throw new ConfigError(errors);
  const values = decryptVars(parseVars(readFileSync(svc.secretsFile!, 'utf8'), relative(svc), secrets), secrets, relative(svc));
  return Object.fromEntries(svc.spec.secrets.map((n) => [n, values[n] ?? '']));
}

// Sets one secret (inline vaulted), keeping the others and their order; a whole-file vault stays whole.
export const secretNamePattern = /^[A-Z][A-Z0-9_]*$/;

// Sets one secret of a secrets file, refusing before anything is written: a key that is not an
// environment variable name, an empty value (unless allowed), and a password that does not open every
// value already in the file (a value added under another password would make the file unreadable).
// The file is replaced in one rename, its mode kept.
export function setSecret(
  file: string,
  key: string,
  value: string,
  secret: VaultSecret,
  secrets: VaultSecret[],
  options: { allowEmpty?: boolean } = {},
): void {
  if (!secretNamePattern.test(key))
    throw new ConfigError([
      { file, path: key, message: 'is not an environment variable name', hint: 'use upper case letters, digits and _, e.g. DB_PASSWORD' },
    ]);
  if (value === '' && !options.allowEmpty)
    throw new ConfigError([
      {
        file,
        path: key,
        message: 'the value is empty (nothing came on stdin); nothing was written',
        hint: 'pipe the value in: echo -n VALUE | homelab vault set ...; or pass --allow-empty to store an empty value',
      },
    ]);
  const keys = [...new Map([secret, ...secrets].map((s) => [s.id + s.source, s])).values()];
  if (existsSync(file) && !isVaulted(readFileSync(file, 'utf8'))) {
    for (const [name, v] of parseVars(readFileSync(file, 'utf8'), file).entries) {
      if (!(v instanceof Vaulted)) continue;
      try {
        decryptText(v.envelope, keys, `${file} (${name})`);
      } catch {
        throw new ConfigError([
          {
            file,
            path: name,
            message: `does not decrypt with the given password (${keys.map((s) => s.source).join(', ')}); nothing was written`,
            hint: "give the file's own vault password (ANSIBLE_VAULT_PASSWORD, --vault-password-file or --vault-id)",
          },
        ]);
      }
    }
  }
  if (existsSync(file) && isVaulted(readFileSync(file, 'utf8'))) {
    const { plaintext, secret: used } = decryptText(readFileSync(file, 'utf8'), secrets, file);
    const vars = parseVars(plaintext.toString('utf8'), file);
    const clear = new Map(Object.entries(decryptVars(vars, secrets, file)));
    clear.set(key, value);
    const yaml = [...clear].map(([k, v]) => `${k}: ${JSON.stringify(v)}\n`).join('');
    writeFileAtomic(file, encryptText(yaml, used));
    return;
  }
  const entries = new Map<string, Vaulted>();
  if (existsSync(file)) {
    for (const [k, v] of parseVars(readFileSync(file, 'utf8'), file).entries)
      entries.set(k, v instanceof Vaulted ? v : vaultValue(String(v ?? ''), secret));
  }
  entries.set(key, vaultValue(value, secret));
  writeFileAtomic(file, formatVars(entries, secretsHeader));
}

// Lab only: a random value for every secret the service names but has no value for, kept per machine
// in `store` (a JSON file, mode 0600) so that the next deploy renders the same release.
export function generatedSecrets(svc: LoadedService, known: Record<string, string>, store: string): Record<string, string> {
  const saved: Record<string, string> = existsSync(store) ? (JSON.parse(readFileSync(store, 'utf8')) as Record<string, string>) : {};
  let changed = false;
  const out: Record<string, string> = { ...known };
  for (const name of svc.spec.secrets) {
    if (out[name]) continue;
    if (!saved[name]) {
      // A URL where the program expects one (webhooks): .invalid never resolves, so nothing is sent.
      const token = randomBytes(18).toString('base64url');
      saved[name] = /(_URL|WEBHOOK)$/.test(name) ? `https://lab.invalid/${token}` : token;
      changed = true;
    }
    out[name] = saved[name]!;
  }
  if (changed) {
    mkdirSync(dirname(store), { recursive: true, mode: 0o700 });
    writeFileSync(store, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  }
  return out;
}
