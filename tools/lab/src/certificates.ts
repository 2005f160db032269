// The lab's stand-in for Let's Encrypt: a certificate authority made once with openssl (kept beside the
// lab hosts' data), and a certificate per public domain signed by it, written where the acme service
// writes in production (<config>/acme/letsencrypt/live/<domain>/fullchain.pem and privkey.pem), which
// nginx reads at each TLS handshake. Clients of the lab trust <caDir>/ca.pem.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $ } from 'zx';

export const labCaDir = '/var/lib/lab/ca';

// Pure: the openssl argv lists for the CA and for one domain's certificate (files in `dir`).
export function caCommands(caDir: string): string[][] {
  return [
    ['openssl', 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(caDir, 'ca.key')],
    [
      'openssl',
      'req',
      '-x509',
      '-new',
      '-key',
      join(caDir, 'ca.key'),
      '-sha256',
      '-days',
      '3650',
      '-subj',
      '/CN=homelab lab CA',
      '-out',
      join(caDir, 'ca.pem'),
    ],
  ];
}

export function certificateCommands(caDir: string, dir: string, domain: string): string[][] {
  return [
    ['openssl', 'ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', join(dir, 'privkey.pem')],
    ['openssl', 'req', '-new', '-key', join(dir, 'privkey.pem'), '-subj', `/CN=${domain}`, '-out', join(dir, 'req.csr')],
    [
      'openssl',
      'x509',
      '-req',
      '-in',
      join(dir, 'req.csr'),
      '-CA',
      join(caDir, 'ca.pem'),
      '-CAkey',
      join(caDir, 'ca.key'),
      '-CAcreateserial',
      '-sha256',
      '-days',
      '90',
      '-extfile',
      join(dir, 'san.cnf'),
      '-out',
      join(dir, 'cert.pem'),
    ],
  ];
}

async function run(argv: string[]): Promise<void> {
  await $`${argv}`.quiet();
}

// Makes the CA when missing; returns the path of its certificate.
export async function ensureLabCa(caDir = labCaDir): Promise<string> {
  if (!existsSync(join(caDir, 'ca.pem'))) {
    mkdirSync(caDir, { recursive: true, mode: 0o700 });
    for (const argv of caCommands(caDir)) await run(argv);
  }
  return join(caDir, 'ca.pem');
}

// A certificate for each domain under <configBase>/acme/letsencrypt/live/<domain>/, unless one signed by
// this CA is already there.
export async function labCertificates(configBase: string, domains: string[], caDir = labCaDir): Promise<void> {
  const ca = readFileSync(await ensureLabCa(caDir), 'utf8');
  for (const domain of domains) {
    const live = join(configBase, 'acme', 'letsencrypt', 'live', domain);
    if (existsSync(join(live, 'fullchain.pem')) && readFileSync(join(live, 'fullchain.pem'), 'utf8').endsWith(ca)) continue;
    const work = mkdtempSync(join(tmpdir(), 'homelab-lab-cert-'));
    try {
      writeFileSync(join(work, 'san.cnf'), `subjectAltName=DNS:${domain}\n`);
      for (const argv of certificateCommands(caDir, work, domain)) await run(argv);
      mkdirSync(live, { recursive: true });
      writeFileSync(join(live, 'privkey.pem'), readFileSync(join(work, 'privkey.pem')), { mode: 0o600 });
      writeFileSync(join(live, 'fullchain.pem'), readFileSync(join(work, 'cert.pem'), 'utf8') + ca);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}
