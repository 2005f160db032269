import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '@homelab/host';
import { repoRoot, serviceTs, tempWorkspace } from '@homelab/model/testing';
import { loadWorkspace } from './workspace.ts';
import { validateService } from '@homelab/validate';

const local = new LocalExecutor({ env: process.env as Record<string, string> });

describe('validate every package of the workspace', async () => {
  for (const inventory of ['production', 'lab']) {
    const { workspace, issues } = await loadWorkspace(inventory, repoRoot);
    it(`every service loads (${inventory})`, () => {
      expect([...issues]).toEqual([]);
      expect(workspace.services.length).toBeGreaterThan(0);
    });
    for (const svc of workspace.services) {
      // The lab has ocean and dns01, and no GPU: other services are validated against production only.
      const placeable = inventory === 'production' || (!svc.spec.gpu && svc.spec.host in workspace.inventory.hosts);
      it.runIf(placeable)(`${svc.name} is valid for ${inventory}, docker compose config included`, async () => {
        const found = await validateService(svc, workspace.inventory, workspace.services, local);
        expect(found).toEqual([]);
      });
    }
  }
});

describe('validate rejects broken services with the file, the field and a non-zero exit', () => {
  const inventoryFiles = { 'inventories/lab/inventory.yaml': 'name: lab\n', 'inventories/lab/ocean/host.yaml': 'address: 10.231.0.2\n' };
  const good = { description: 'web', host: 'ocean', health: { probes: [{ type: 'tcp', port: 8080 }] } };
  const compose = (extra: string) => `services:\n  web:\n    image: lab/web:1.0.0\n    healthcheck:\n      test: ["CMD", "true"]\n${extra}`;
  const root = tempWorkspace({
    ...inventoryFiles,
    'packages/ok/service.ts': serviceTs(good),
    'packages/ok/compose.yaml': compose('    ports: ["8080:80"]\n').replaceAll('web', 'ok'),
    'packages/ok/package.json': '{"version": "1.0.0"}',
    'packages/badspec/service.ts': serviceTs({ ...good, restart: 'always' }),
    'packages/badspec/compose.yaml': compose(''),
    'packages/badspec/package.json': '{}',
    'packages/badcompose/service.ts': serviceTs({ ...good, health: { probes: [{ type: 'tcp', port: 9090 }] } }),
    'packages/badcompose/compose.yaml': compose('    restrat: always\n    ports: ["9090:80"]\n'),
    'packages/badcompose/package.json': '{}',
    'packages/clash/service.ts': serviceTs({ ...good, health: { probes: [{ type: 'tcp', port: 7070 }] } }),
    'packages/clash/compose.yaml': compose('    ports: ["7070:80"]\n'),
    'packages/clash/package.json': '{}',
    'packages/other/service.ts': serviceTs({ ...good, health: { probes: [{ type: 'tcp', port: 7070 }] } }),
    'packages/other/compose.yaml': compose('    ports: ["7070:8080"]\n').replaceAll('web', 'other'),
    'packages/other/package.json': '{}',
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  async function cli(...args: string[]) {
    return execa(process.execPath, ['--import', 'tsx', join(repoRoot, 'tools/cli/src/main.ts'), ...args], { cwd: root, reject: false });
  }

  it('a good service passes with exit 0', async () => {
    const r = await cli('validate', 'ok', '--inventory', 'lab');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('✔ ok is valid for inventory lab');
    expect(r.exitCode).toBe(0);
  });

  it('an unknown field in service.ts fails naming the file and the field', async () => {
    const r = await cli('validate', 'badspec', '--inventory', 'lab');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('packages/badspec/service.ts: restart: unknown field "restart"');
  });

  it('a compose file that Compose rejects fails with its message', async () => {
    const r = await cli('validate', 'badcompose', '--inventory', 'lab');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/packages\/badcompose\/compose\.yaml: docker compose config rejects the rendered file: .*restrat/s);
  });

  it('a port clash names both services', async () => {
    const r = await cli('validate', 'clash', '--inventory', 'lab');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('host port 7070/tcp on ocean is also published by service "other" (packages/other/compose.yaml)');
  });
});

describe('placement per inventory: every entry point skips, with the reason, what an inventory does not hold or cannot run', () => {
  const probe = (port: number) => ({ probes: [{ type: 'tcp', port }] });
  const compose = (name: string, port: number) =>
    `services:\n  ${name}:\n    image: lab/busybox:1\n    healthcheck:\n      test: ["CMD", "true"]\n    ports: ["${port}:80"]\n`;
  const root = tempWorkspace({
    'inventories/lab/inventory.yaml': 'name: lab\n',
    'inventories/lab/ocean/host.yaml': 'address: 10.231.0.2\n',
    'inventories/production/inventory.yaml': 'name: production\nproduction: true\n',
    'inventories/production/ocean/host.yaml': 'address: 192.168.1.143\ngpu: { model: RTX 3090, vramMiB: 24576 }\n',
    'packages/demo/service.ts': serviceTs({ description: 'demo', host: 'ocean', inventories: ['lab'], health: probe(8088) }),
    'packages/demo/compose.yaml': compose('demo', 8088),
    'packages/demo/package.json': '{"version": "1.0.0"}',
    'packages/gpu/service.ts': serviceTs({ description: 'gpu', host: 'ocean', gpu: { vramMiB: 1000 }, health: probe(8089) }),
    'packages/gpu/compose.yaml': compose('gpu', 8089),
    'packages/gpu/package.json': '{"version": "1.0.0"}',
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    execa(process.execPath, ['--import', 'tsx', join(repoRoot, 'tools/cli/src/main.ts'), ...args], {
      cwd: root,
      reject: false,
      env: { HOMELAB_ALLOW_PRODUCTION: '' },
    });

  it('a lab-only service is not part of production: validate of all leaves it out, by name it is skipped', async () => {
    const all = await cli('validate', '--inventory', 'production');
    expect(all.stdout + all.stderr).not.toContain('demo');
    const named = await cli('validate', 'demo', '--inventory', 'production');
    expect(named.exitCode).toBe(0);
    expect(named.stdout).toContain(
      '- demo skipped: not part of inventory production: demo exists only in inventory lab (inventories in packages/demo/service.ts)',
    );
    const lab = await cli('validate', 'demo', '--inventory', 'lab');
    expect(lab.stdout).toContain('✔ demo is valid for inventory lab');
  });

  it('deploy of a service production does not hold reaches no host and needs no production permission', async () => {
    const r = await cli('deploy', 'demo', '--inventory', 'production', '--json');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject([{ service: 'demo', result: 'skipped' }]);
  });

  it('what the lab cannot run (a GPU) is skipped by validate, deploy and health, exit 0', async () => {
    const validate = await cli('validate', 'gpu', '--inventory', 'lab');
    expect(validate.exitCode).toBe(0);
    expect(validate.stdout).toContain('- gpu skipped: not runnable in inventory lab: needs a GPU; lab host ocean has none');
    const deploy = await cli('deploy', 'gpu', '--inventory', 'lab', '--json');
    expect(deploy.exitCode, deploy.stderr).toBe(0);
    expect(JSON.parse(deploy.stdout)).toMatchObject([
      { service: 'gpu', host: 'ocean', result: 'skipped', message: 'not runnable in inventory lab: needs a GPU; lab host ocean has none' },
    ]);
    const health = await cli('health', 'gpu', '--inventory', 'lab');
    expect(health.exitCode).toBe(0);
    expect(health.stdout).toContain('- gpu skipped');
  });
});

describe('a service.ts that cannot be loaded is reported by every command that acts on all services', () => {
  const root = tempWorkspace({
    'inventories/lab/inventory.yaml': 'name: lab\n',
    'inventories/lab/ocean/host.yaml': 'address: 10.231.0.2\n',
    // It would end any process that imports it, silently, with exit 0.
    'packages/quitter/service.ts': "import { defineService } from '@homelab/model';\nprocess.exit(0);\nexport default defineService({});\n",
    'packages/quitter/compose.yaml': 'services:\n  quitter:\n    image: lab/busybox:1\n',
    'packages/quitter/package.json': '{"version": "1.0.0"}',
    'packages/gpu/service.ts': serviceTs({
      description: 'gpu',
      host: 'ocean',
      gpu: { vramMiB: 1000 },
      health: { probes: [{ type: 'tcp', port: 8089 }] },
    }),
    'packages/gpu/compose.yaml':
      'services:\n  gpu:\n    image: lab/busybox:1\n    healthcheck:\n      test: ["CMD", "true"]\n    ports: ["8089:80"]\n',
    'packages/gpu/package.json': '{"version": "1.0.0"}',
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const cli = (...args: string[]) =>
    execa(process.execPath, ['--import', 'tsx', join(repoRoot, 'tools/cli/src/main.ts'), ...args], { cwd: root, reject: false });

  it('validate of all: exit 1, naming the file and what it did', async () => {
    const r = await cli('validate', '--inventory', 'lab');
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('packages/quitter/service.ts: cannot be loaded: it called process.exit(0)');
    expect(r.stdout).toContain('- gpu skipped');
  });

  it('deploy of all: a failed row for it in the table and in --json, exit 1, no host contacted', async () => {
    const r = await cli('deploy', '--inventory', 'lab', '--json');
    expect(r.exitCode).toBe(1);
    const rows = JSON.parse(r.stdout) as Array<{ service: string; result: string; message: string }>;
    expect(rows.map((x) => [x.service, x.result])).toEqual([
      ['quitter', 'failed'],
      ['gpu', 'skipped'],
    ]);
    expect(rows[0]!.message).toContain('it called process.exit(0)');
  });
});
