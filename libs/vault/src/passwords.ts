// Where vault passwords come from, as in ansible: --vault-id label@source (several), --vault-password-file
// (an executable one is run), ANSIBLE_VAULT_PASSWORD / ANSIBLE_VAULT_PASSWORD_FILE /
// ANSIBLE_VAULT_IDENTITY_LIST, or a prompt on a terminal.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { LocalExecutor } from '@homelab/host';
import { VaultPasswordError } from './errors.ts';
import type { VaultSecret } from './vault.ts';

export interface PasswordOptions {
  vaultIds?: string[];
  passwordFiles?: string[];
  env?: NodeJS.ProcessEnv;
  /** Asks for a password on the terminal; absent where there is none. */
  prompt?: (question: string) => Promise<string>;
}

// Reads a password file, or runs it when it is executable (a `*-client` script gets --vault-id <label>); surrounding whitespace is dropped like ansible does.
export async function readPasswordSource(path: string, label: string): Promise<Buffer> {
  let executable = false;
  try {
    accessSync(path, constants.X_OK);
    executable = statSync(path).isFile();
  } catch {
    executable = false;
  }
  if (executable) {
    const out = await new LocalExecutor({ env: process.env as Record<string, string> }).run(
      /-client(\.[a-z]+)?$/.test(path) ? [path, '--vault-id', label] : [path],
      { allowFailure: true, display: path },
    );
    if (out.exitCode !== 0)
      throw new VaultPasswordError(
        `vault password script ${path} failed with exit code ${out.exitCode}: ${out.stderr.trim()}`,
        'run it by hand to see why',
      );
    return Buffer.from(out.stdout.trim(), 'utf8');
  }
  try {
    return Buffer.from(readFileSync(path, 'utf8').trim(), 'utf8');
  } catch {
    throw new VaultPasswordError(
      `cannot read the vault password file ${path}`,
      'check the path given to --vault-password-file or --vault-id',
    );
  }
}

async function fromVaultId(spec: string, prompt: PasswordOptions['prompt']): Promise<VaultSecret> {
  const at = spec.indexOf('@');
  const [label, source] = at < 0 ? ['default', spec] : [spec.slice(0, at) || 'default', spec.slice(at + 1)];
  if (source === 'prompt' || source === 'prompt_ask_vault_pass') {
    if (!prompt)
      throw new VaultPasswordError(
        `--vault-id ${spec} asks for a prompt, but there is no terminal`,
        'give a password file or set ANSIBLE_VAULT_PASSWORD',
      );
    return { id: label, password: Buffer.from(await prompt(`Vault password (${label}): `), 'utf8'), source: `--vault-id ${label}@prompt` };
  }
  return { id: label, password: await readPasswordSource(source, label), source: `--vault-id ${label}@${source}` };
}

// True when some source other than the prompt names a password (flags or environment).
export function passwordGiven(options: PasswordOptions = {}): boolean {
  const env = options.env ?? process.env;
  return Boolean(
    options.vaultIds?.length ||
      options.passwordFiles?.length ||
      env.ANSIBLE_VAULT_IDENTITY_LIST ||
      env.ANSIBLE_VAULT_PASSWORD_FILE ||
      env.ANSIBLE_VAULT_PASSWORD,
  );
}

export async function resolveVaultSecrets(options: PasswordOptions = {}): Promise<VaultSecret[]> {
  const env = options.env ?? process.env;
  const secrets: VaultSecret[] = [];
  for (const spec of options.vaultIds ?? []) secrets.push(await fromVaultId(spec, options.prompt));
  for (const file of options.passwordFiles ?? [])
    secrets.push({ id: 'default', password: await readPasswordSource(file, 'default'), source: `--vault-password-file ${file}` });
  for (const spec of (env.ANSIBLE_VAULT_IDENTITY_LIST ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean))
    secrets.push(await fromVaultId(spec, options.prompt));
  if (env.ANSIBLE_VAULT_PASSWORD_FILE)
    secrets.push({
      id: 'default',
      password: await readPasswordSource(env.ANSIBLE_VAULT_PASSWORD_FILE, 'default'),
      source: `ANSIBLE_VAULT_PASSWORD_FILE (${env.ANSIBLE_VAULT_PASSWORD_FILE})`,
    });
  if (env.ANSIBLE_VAULT_PASSWORD)
    secrets.push({ id: 'default', password: Buffer.from(env.ANSIBLE_VAULT_PASSWORD, 'utf8'), source: 'ANSIBLE_VAULT_PASSWORD' });
  if (secrets.length === 0 && options.prompt)
    secrets.push({ id: 'default', password: Buffer.from(await options.prompt('Vault password: '), 'utf8'), source: 'the prompt' });
  if (secrets.length === 0) {
    throw new VaultPasswordError(
      'no vault password given',
      'set ANSIBLE_VAULT_PASSWORD, or pass --vault-password-file FILE or --vault-id label@FILE',
    );
  }
  return secrets;
}

// A hidden prompt on the terminal, or undefined where stdin is not one.
export function terminalPrompt(): PasswordOptions['prompt'] {
  if (!process.stdin.isTTY) return undefined;
  return (question) =>
    new Promise((resolve) => {
      process.stderr.write(question);
      const stdin = process.stdin;
      stdin.setRawMode(true);
      stdin.resume();
      let value = '';
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.setRawMode(false);
            stdin.pause();
            stdin.off('data', onData);
            process.stderr.write('\n');
            resolve(value);
            return;
          }
          if (ch === '\u0003') process.exit(130);
          value = ch === '\u007f' ? value.slice(0, -1) : value + ch;
        }
      };
      stdin.on('data', onData);
    });
}
