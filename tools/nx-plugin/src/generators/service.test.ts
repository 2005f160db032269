import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { LocalExecutor } from '@homelab/host';
import { loadInventory, loadService } from '@homelab/model';
import { tempWorkspace } from '@homelab/model/testing';
import { validateService } from '@homelab/validate';
import serviceGenerator, { normalizeOptions, serviceFiles } from './service.ts';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe('service generator', () => {
  it('writes a package into the Nx tree', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await serviceGenerator(tree, {
      name: 'uptime-kuma',
      image: 'louislam/uptime-kuma:1.23.16',
      port: 3001,
      domain: 'status.terrac.com',
      description: 'Uptime Kuma: uptime monitoring',
    });
    expect(tree.children('packages/uptime-kuma').sort()).toEqual(['compose.yaml', 'health.recorded.json', 'package.json', 'service.ts']);
    expect(tree.read('packages/uptime-kuma/service.ts', 'utf-8')).toContain(
      'exposure: { port: 3001, domain: "status.terrac.com", access: "admin" },',
    );
    await expect(serviceGenerator(tree, { name: 'uptime-kuma', image: 'louislam/uptime-kuma:1.23.16' })).rejects.toThrow('already exists');
  });

  it('the scaffold passes validate, docker compose config included', async () => {
    const files = serviceFiles(normalizeOptions({ name: 'uptime-kuma', image: 'louislam/uptime-kuma:1.23.16', port: 3001 }));
    const root = tempWorkspace({
      ...files,
      'inventories/production/inventory.yaml': 'name: production\nproduction: true\n',
      'inventories/production/ocean/host.yaml': 'address: 192.168.1.143\n',
    });
    roots.push(root);
    const svc = await loadService(root, 'uptime-kuma');
    const inv = loadInventory(root, 'production');
    expect(await validateService(svc, inv, [svc], new LocalExecutor({ env: process.env as Record<string, string> }))).toEqual([]);
  });

  it('refuses an unpinned image and a bad name', () => {
    expect(() => normalizeOptions({ name: 'x', image: 'nginx' })).toThrow('pin a released tag');
    expect(() => normalizeOptions({ name: 'x', image: 'nginx:latest' })).toThrow('pin a released tag');
    expect(() => normalizeOptions({ name: 'Bad_Name', image: 'nginx:1.27.3' })).toThrow('lower-case');
  });
});
