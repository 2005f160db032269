import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { service } from '@homelab/model/testing';
import { checkServiceSecrets, generatedSecrets, readServiceSecrets } from './service-secrets.ts';

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
});
