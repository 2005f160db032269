// Conformance with the real ansible-vault (Debian's ansible-core), both ways, plus failure cases.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { VaultDecryptError, VaultFormatError } from './errors.ts';
import { formatEnvelope } from './envelope.ts';
import { encryptText, decryptText, type VaultSecret } from './vault.ts';
import { decryptVars, formatVars, parseVars, vaultValue } from './vars-file.ts';
import { resolveVaultSecrets } from './passwords.ts';

const dir = mkdtempSync(join(tmpdir(), 'homelab-vault-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const password = 'correct horse battery staple ✓';
const passwordFile = join(dir, 'pw');
writeFileSync(passwordFile, `${password}\n`);
const secret: VaultSecret = { id: 'default', password: Buffer.from(password), source: 'test' };
const prod: VaultSecret = { id: 'prod', password: Buffer.from(password), source: 'test prod' };

async function ansibleVault(...args: string[]) {
  const r = await execa('ansible-vault', args, { reject: false, env: { ANSIBLE_NOCOLOR: '1' } });
  if (r.exitCode !== 0) throw new Error(`ansible-vault ${args.join(' ')}: ${r.stderr}`);
  return r;
}

const contents: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['unicode', Buffer.from('pässwörd: "日本語 🔐"\nemoji: 🎬🍿\n', 'utf8')],
  ['CRLF', Buffer.from('line one\r\nline two\r\n\r\n', 'utf8')],
  ['multi-megabyte', randomBytes(3 * 1024 * 1024 + 7)],
  ['a whole block', Buffer.from('0123456789abcdef', 'utf8')],
];

describe('conformance with ansible-vault', () => {
  for (const [name, data] of contents) {
    it(`ansible-vault reads what we write (1.1, ${name})`, async () => {
      const file = join(dir, `ours-${name}`);
      writeFileSync(file, encryptText(data, secret));
      await ansibleVault('decrypt', '--vault-password-file', passwordFile, '--output', `${file}.out`, file);
      expect(readFileSync(`${file}.out`).equals(data)).toBe(true);
    });

    it(`we read what ansible-vault writes (1.1, ${name})`, async () => {
      const file = join(dir, `theirs-${name}`);
      writeFileSync(file, data);
      await ansibleVault('encrypt', '--vault-password-file', passwordFile, file);
      const text = readFileSync(file, 'utf8');
      expect(text.startsWith('$ANSIBLE_VAULT;1.1;AES256\n')).toBe(true);
      expect(decryptText(text, [secret], file).plaintext.equals(data)).toBe(true);
    });
  }

  it('1.2 with a vault id, both ways', async () => {
    const data = Buffer.from('db_password: hunter2\n');
    const theirs = join(dir, 'theirs-12');
    writeFileSync(theirs, data);
    await ansibleVault('encrypt', '--vault-id', `prod@${passwordFile}`, theirs);
    const text = readFileSync(theirs, 'utf8');
    expect(text.split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
    const read = decryptText(text, [{ ...secret, id: 'other', password: Buffer.from('wrong') }, prod], theirs);
    expect(read).toMatchObject({ vaultId: 'prod', secret: { id: 'prod' } });
    expect(read.plaintext.equals(data)).toBe(true);

    const ours = join(dir, 'ours-12');
    writeFileSync(ours, encryptText(data, prod));
    expect(readFileSync(ours, 'utf8').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
    const out = await ansibleVault('view', '--vault-id', `prod@${passwordFile}`, ours);
    expect(out.stdout).toBe('db_password: hunter2');
  });

  it('the same hex layout and 80-column lines as ansible-vault', async () => {
    const text = encryptText('x', secret);
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(1, -2).every((l) => l.length === 80)).toBe(true);
    expect(lines.at(-2)!.length).toBeLessThanOrEqual(80);
    const theirs = join(dir, 'layout');
    writeFileSync(theirs, 'x');
    await ansibleVault('encrypt', '--vault-password-file', passwordFile, theirs);
    expect(
      readFileSync(theirs, 'utf8')
        .split('\n')
        .map((l) => l.length),
    ).toEqual(lines.map((l) => l.length));
  });

  it('inline !vault values: ansible-vault encrypt_string output reads, and ansible reads ours', async () => {
    const r = await ansibleVault('encrypt_string', '--vault-password-file', passwordFile, 'päss wörd', '--name', 'db_password');
    const vars = parseVars(`plain: 1\n${r.stdout}\n`, 'vars.yml');
    expect(decryptVars(vars, [secret], 'vars.yml')).toEqual({ plain: '1', db_password: 'päss wörd' });

    const file = join(dir, 'inline.yml');
    writeFileSync(
      file,
      formatVars(
        new Map([
          ['api_token', vaultValue('tök€n', secret)],
          ['db_password', vaultValue('s3cret', secret)],
        ]),
      ),
    );
    const debug = await execa(
      'ansible',
      [
        'localhost',
        '-c',
        'local',
        '-m',
        'debug',
        '-a',
        'msg={{ api_token }}|{{ db_password }}',
        '-e',
        `@${file}`,
        '--vault-password-file',
        passwordFile,
      ],
      { env: { ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'false', ANSIBLE_INVENTORY_UNPARSED_WARNING: 'false' } },
    );
    expect(debug.stdout).toContain('"msg": "tök€n|s3cret"');
  });
});

describe('failures name the file', () => {
  const good = encryptText('secret: 1\n', secret);

  it('a wrong password', () => {
    expect(() => decryptText(good, [{ ...secret, password: Buffer.from('nope') }], 'a.vault')).toThrow(VaultDecryptError);
    expect(() => decryptText(good, [{ ...secret, password: Buffer.from('nope') }], 'a.vault')).toThrow(
      /a\.vault: cannot decrypt: the HMAC does not match with the password from test/,
    );
  });

  it('a tampered file (one ciphertext byte changed): HMAC mismatch', () => {
    const [header, ...rest] = good.trim().split('\n');
    const inner = Buffer.from(rest.join(''), 'hex').toString('latin1');
    const last = inner.at(-1)!;
    const tampered = inner.slice(0, -1) + (last === '0' ? '1' : '0');
    const text = formatEnvelope(Buffer.from(tampered, 'latin1').toString('hex'));
    expect(text.split('\n')[0]).toBe(header);
    expect(() => decryptText(text, [secret], 'b.vault')).toThrow(/b\.vault: cannot decrypt/);
  });

  it('a truncated file', () => {
    const lines = good.split('\n');
    expect(() => decryptText(lines.slice(0, 2).join('\n'), [secret], 'c.vault')).toThrow(VaultFormatError);
    expect(() => decryptText(lines[0]!, [secret], 'c.vault')).toThrow(/c\.vault: is truncated/);
    expect(() => decryptText(good.slice(0, -2), [secret], 'c.vault')).toThrow(/c\.vault: is (truncated|corrupt)/);
  });

  it('an unknown format or cipher', () => {
    expect(() => decryptText('hello', [secret], 'd.yml')).toThrow(/d\.yml: is not an ansible-vault file/);
    expect(() => decryptText(good.replace('1.1;AES256', '1.1;AES128'), [secret], 'e.vault')).toThrow(
      /e\.vault: unknown vault cipher "AES128"/,
    );
    expect(() => decryptText(good.replace('1.1;AES256', '2.0;AES256'), [secret], 'f.vault')).toThrow(
      /f\.vault: unknown vault format version "2\.0"/,
    );
  });

  it('formats a 1.2 header only for a real vault id', () => {
    expect(formatEnvelope('ab', 'default').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.1;AES256');
    expect(formatEnvelope('ab', 'prod').split('\n')[0]).toBe('$ANSIBLE_VAULT;1.2;AES256;prod');
  });
});

describe('password sources', () => {
  it('reads env, files, executable files and several vault ids', async () => {
    const script = join(dir, 'pass.sh');
    writeFileSync(script, '#!/bin/sh\necho "from-script"\n');
    chmodSync(script, 0o755);
    const secrets = await resolveVaultSecrets({
      vaultIds: [`prod@${script}`, `dev@${passwordFile}`],
      passwordFiles: [passwordFile],
      env: { ANSIBLE_VAULT_PASSWORD: 'from-env' },
    });
    expect(secrets.map((s) => [s.id, s.password.toString(), s.source])).toEqual([
      ['prod', 'from-script', `--vault-id prod@${script}`],
      ['dev', password, `--vault-id dev@${passwordFile}`],
      ['default', password, `--vault-password-file ${passwordFile}`],
      ['default', 'from-env', 'ANSIBLE_VAULT_PASSWORD'],
    ]);
  });

  it('says how to give a password when there is none and no terminal', async () => {
    await expect(resolveVaultSecrets({ env: {} })).rejects.toThrow(/no vault password given[\s\S]*ANSIBLE_VAULT_PASSWORD/);
  });
});

describe('vault files', () => {
  it('are written atomically, keeping their mode, and leave no temporary file behind', async () => {
    const { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { writeFileAtomic } = await import('./vault-file.ts');
    const dir = mkdtempSync(join(tmpdir(), 'homelab-atomic-'));
    const file = join(dir, 'secrets.vault.yaml');
    writeFileSync(file, 'old', { mode: 0o600 });
    writeFileAtomic(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['secrets.vault.yaml']);
  });
});
