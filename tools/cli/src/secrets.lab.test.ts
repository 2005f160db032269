// Secrets on the lab: only in the release .env (0600), sent over stdin; never in ps, output or plans.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labWorkspace, sampleProcesses, type LabWorkspace, type TestService } from '@homelab/lab/testing';
import { setSecret, type VaultSecret } from '@homelab/vault';

let lab: LabWorkspace;
const password = 'lab vault password';
const secretValue = `s3cr3t-${Math.random().toString(36).slice(2)}-value`;
const vault: VaultSecret = { id: 'default', password: Buffer.from(password), source: 'test' };
const env = { ANSIBLE_VAULT_PASSWORD: password };

beforeAll(async () => {
  lab = await labWorkspace();
});
afterAll(async () => {
  await lab?.cleanup();
});

describe('secrets on the lab', () => {
  const svc = (): TestService => ({ name: `${lab.prefix}-sec`, host: 'ocean', port: 18091, title: 's1', secret: secretValue });

  it('deploys the secret into the 0600 .env only; ps, output and plans never show it', async () => {
    lab.write(svc());
    setSecret(join(lab.root, 'packages', svc().name, 'secrets.vault.yaml'), 'APP_SECRET', secretValue, vault, [vault]);

    const { result: run, samples: seen } = await sampleProcesses(() => lab.cli(['deploy', svc().name], { env }));

    expect(run.exitCode).toBe(0);
    expect(seen.length).toBeGreaterThan(20);
    expect(seen.some((s) => s.includes(secretValue))).toBe(false);
    expect(run.all).not.toContain(secretValue);

    const envFile = join(lab.inventory.hosts.ocean!.deployRoot, svc().name, 'current', '.env');
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(envFile, 'utf8')).toContain(`APP_SECRET='${secretValue}'`);
    expect(readFileSync(join(lab.inventory.hosts.ocean!.deployRoot, svc().name, 'current', 'compose.yaml'), 'utf8')).not.toContain(
      secretValue,
    );
    expect(await lab.docker('ocean', ['exec', `${svc().name}-web-1`, 'sh', '-c', 'echo "$APP_SECRET"'])).toBe(secretValue);
  });

  it('a changed secret shows in the plan by name only, and a Compose error quoting it is masked', async () => {
    const next = `${secretValue}-rotated`;
    setSecret(join(lab.root, 'packages', svc().name, 'secrets.vault.yaml'), 'APP_SECRET', next, vault, [vault]);
    const plan = await lab.cli(['plan', svc().name], { env });
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toContain('~ secret APP_SECRET (changed, value masked)');
    expect(plan.all).not.toContain(secretValue);

    // A compose file that makes Compose print the value in its error.
    const compose = join(lab.root, 'packages', svc().name, 'compose.yaml');
    const original = readFileSync(compose, 'utf8');
    writeFileSync(compose, original.replace('    init: true\n', '    init: true\n    user: "${APP_SECRET}"\n'));
    try {
      const bad = await lab.cli(['deploy', svc().name], { env });
      expect(bad.exitCode).toBe(1);
      expect(bad.all).toContain('********');
      expect(bad.all).not.toContain(next);
    } finally {
      writeFileSync(compose, original);
    }
  });

  it('nothing is deployed when a secret cannot be read (wrong password)', async () => {
    const before = readFileSync(join(lab.inventory.hosts.ocean!.deployRoot, svc().name, 'state.json'), 'utf8');
    const releases = (await execa('ls', [join(lab.inventory.hosts.ocean!.deployRoot, svc().name, 'releases')])).stdout;
    const r = await lab.cli(['deploy', svc().name], { env: { ANSIBLE_VAULT_PASSWORD: 'wrong' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/secrets\.vault\.yaml \(APP_SECRET\): cannot decrypt/);
    expect(readFileSync(join(lab.inventory.hosts.ocean!.deployRoot, svc().name, 'state.json'), 'utf8')).toBe(before);
    expect((await execa('ls', [join(lab.inventory.hosts.ocean!.deployRoot, svc().name, 'releases')])).stdout).toBe(releases);
  });
});
