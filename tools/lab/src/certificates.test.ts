// The lab's certificate authority with the real openssl, in throw-away folders.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { labCertificates } from './certificates.ts';

const dir = mkdtempSync(join(tmpdir(), 'homelab-lab-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lab certificates', () => {
  it('a certificate per domain, signed by the lab CA, where acme keeps them; kept when already issued by it', async () => {
    const ca = join(dir, 'ca');
    const config = join(dir, 'appdata');
    await labCertificates(config, ['lab.terrac.com'], ca);
    const live = join(config, 'acme/letsencrypt/live/lab.terrac.com');
    const verify = await execa('openssl', ['verify', '-CAfile', join(ca, 'ca.pem'), join(live, 'fullchain.pem')], {
      reject: false,
      all: true,
    });
    expect(verify.all).toContain(': OK');
    const text = (await execa('openssl', ['x509', '-in', join(live, 'fullchain.pem'), '-noout', '-ext', 'subjectAltName'])).stdout;
    expect(text).toContain('DNS:lab.terrac.com');
    expect(statSync(join(live, 'privkey.pem')).mode & 0o777).toBe(0o600);
    const before = readFileSync(join(live, 'fullchain.pem'), 'utf8');
    await labCertificates(config, ['lab.terrac.com'], ca);
    expect(readFileSync(join(live, 'fullchain.pem'), 'utf8')).toBe(before);
  });
});
