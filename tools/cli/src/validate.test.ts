import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '@homelab/host';
import { repoRoot, serviceTs, tempWorkspace } from '@homelab/model/testing';
import { loadWorkspace } from './workspace.ts';
import { validateService } from './validate.ts';

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
        expect(await validateService(svc, workspace.inventory, workspace.services, local)).toEqual([]);
      });
    }
  }
});

describe('validate rejects broken services with the file, the field and a non-zero exit', () => {
  const inventoryFiles = { 'inventories/lab/inventory.yaml': 'name: lab\n', 'inventories/lab/ocean/host.yaml': 'address: 10.231.0.2\n' };
  const good = { description: 'web', host: 'ocean', health: { probes: [{ type: 'tcp', port: 8080 }] } };
  const compose = (extra: string) => `services:\n  web:\n    image: example/web:1.0.0\n    healthcheck:\n      test: ["CMD", "true"]\n${extra}`;
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
