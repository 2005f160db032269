import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { service } from '@homelab/model/testing';
import { checkServiceSecrets, generatedSecrets, readServiceSecrets, setSecret } from './service-secrets.ts';
import type { VaultSecret } from './vault.ts';

const dir = mkdtempSync(join(tmpdir(), 'homelab-secrets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('service secrets', () => {
  it('optional secrets need no file; required ones are reported and refused at deploy time', () => {
    const optional = service('det', { optionalSecrets: ['HOOK_URL'] });
    expect(optional.spec.secrets).toEqual(['HOOK_URL']);
    expect(checkServiceSecrets(optional)).toEqual({ errors: [], warnings: [] });
    expect(readServiceSecrets(optional, [])).toEqual({ HOOK_URL: '' });
    const required = service('db', { secrets: ['DB_PASSWORD'] });
    expect(checkServiceSecrets(required).warnings[0]?.message).toContain('packages/db/secrets.vault.yaml does not exist yet');
    expect(() => readServiceSecrets(required, [])).toThrow(/secret DB_PASSWORD has no value/);
  });

  it('the lab generates stable throw-away values, URLs where a URL is expected, kept 0600', () => {
    const svc = service('am', { secrets: ['ADMIN_PASSWORD', 'DISCORD_WEBHOOK_URL'] });
    const store = join(dir, 'am.json');
    const first = generatedSecrets(svc, { ADMIN_PASSWORD: 'from-the-vault' }, store);
    expect(first.ADMIN_PASSWORD).toBe('from-the-vault');
    expect(first.DISCORD_WEBHOOK_URL).toMatch(/^https:\/\/lab\.invalid\/[\w-]{24}$/);
    expect(generatedSecrets(svc, {}, store).DISCORD_WEBHOOK_URL).toBe(first.DISCORD_WEBHOOK_URL);
    expect(statSync(store).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(store, 'utf8'))).toHaveProperty('ADMIN_PASSWORD');
  });

  it('with the password, every value is decrypted: a tampered one is an error naming the file and the key', () => {
    const vault: VaultSecret = { id: 'default', password: Buffer.from('pw'), source: 'test' };
    const svc = service('tamper', { secrets: ['DB_PASSWORD', 'API_KEY'] });
    const file = join(dir, 'tamper', 'secrets.vault.yaml');
    mkdirSync(join(dir, 'tamper'));
    setSecret(file, 'DB_PASSWORD', 'one', vault, [vault]);
    setSecret(file, 'API_KEY', 'two', vault, [vault]);
    const withFile = { ...svc, secretsFile: file };
    expect(checkServiceSecrets(withFile, [vault]).errors).toEqual([]);
    // Change one digit of API_KEY's ciphertext (the HMAC no longer matches): without the password the
    // file still looks fine; with it, the value is refused.
    const text = readFileSync(file, 'utf8');
    const at = text.indexOf('API_KEY');
    const header = text.indexOf('\n', text.indexOf('$ANSIBLE_VAULT', at));
    const line = header + text.slice(header).search(/[0-9a-f]/);
    const digit = text[line]!;
    writeFileSync(file, text.slice(0, line) + (digit === '3' ? '4' : '3') + text.slice(line + 1));
    expect(checkServiceSecrets(withFile).errors).toEqual([]);
    const { errors } = checkServiceSecrets(withFile, [vault]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: 'packages/tamper/secrets.vault.yaml', path: 'API_KEY' });
    expect(errors[0]!.message).toMatch(/^cannot be decrypted: /);
    expect(checkServiceSecrets(withFile, [{ ...vault, password: Buffer.from('other') }]).errors.map((e) => e.path)).toEqual([
      'DB_PASSWORD',
      'API_KEY',
    ]);
  });
});

describe('vault writes that cannot corrupt', () => {
  const vault: VaultSecret = { id: 'default', password: Buffer.from('pw'), source: 'ANSIBLE_VAULT_PASSWORD' };
  const other: VaultSecret = { id: 'default', password: Buffer.from('other'), source: '--vault-password-file other' };
  const fresh = (name: string) => {
    mkdirSync(join(dir, name));
    return join(dir, name, 'secrets.vault.yaml');
  };

  it('refuses a password that does not open the values already there, naming the file and the key; nothing written', () => {
    const file = fresh('mismatch');
    setSecret(file, 'A', 'one', vault, [vault]);
    const before = readFileSync(file, 'utf8');
    expect(() => setSecret(file, 'B', 'two', other, [other])).toThrow(
      /secrets\.vault\.yaml: A: does not decrypt with the given password \(--vault-password-file other\); nothing was written/,
    );
    expect(readFileSync(file, 'utf8')).toBe(before);
    setSecret(file, 'B', 'two', vault, [vault]);
    expect(readServiceSecrets({ ...service('mismatch', { secrets: ['A', 'B'] }), secretsFile: file }, [vault])).toEqual({
      A: 'one',
      B: 'two',
    });
  });

  it('refuses an empty value unless allowed, and a key that is not an environment variable name', () => {
    const file = fresh('empty');
    expect(() => setSecret(file, 'TOKEN', '', vault, [vault])).toThrow(
      /TOKEN: the value is empty .*nothing was written[\s\S]*--allow-empty/,
    );
    setSecret(file, 'TOKEN', '', vault, [vault], { allowEmpty: true });
    expect(readServiceSecrets({ ...service('empty', { secrets: ['TOKEN'] }), secretsFile: file }, [vault])).toEqual({ TOKEN: '' });
    for (const bad of ['bad key', 'lower', '1ST', 'A-B', ''])
      expect(() => setSecret(file, bad, 'v', vault, [vault]), bad).toThrow(/is not an environment variable name/);
  });

  it('keeps the mode of the file it replaces', () => {
    const file = fresh('mode');
    setSecret(file, 'A', 'one', vault, [vault]);
    chmodSync(file, 0o600);
    setSecret(file, 'B', 'two', vault, [vault]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
