import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { LocalExecutor } from '@homelab/host';
import { loadInventory, loadService } from '@homelab/model';
import { repoRoot, tempWorkspace } from '@homelab/model/testing';
import { execa } from 'execa';
import { join } from 'node:path';
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
      "exposure: { port: 3001, domain: 'status.terrac.com', access: 'admin' },",
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
    // As written, the files are what Biome (nx affected -t lint) would write.
    for (const [path, content] of Object.entries(files).filter(([p]) => /\.(ts|json)$/.test(p))) {
      const formatted = await execa(join(repoRoot, 'node_modules/.bin/biome'), ['format', `--stdin-file-path=${path}`], {
        input: content,
        cwd: repoRoot,
        stripFinalNewline: false,
      });
      expect(formatted.stdout, path).toBe(content);
    }
  });

  it('refuses an unpinned image and a bad name', () => {
    expect(() => normalizeOptions({ name: 'x', image: 'nginx' })).toThrow('pin a released tag');
    expect(() => normalizeOptions({ name: 'x', image: 'nginx:latest' })).toThrow('pin a released tag');
    expect(() => normalizeOptions({ name: 'Bad_Name', image: 'nginx:1.27.3' })).toThrow('lower-case');
  });

  it('checks the options against the catalog: the host exists, the port is in range and free there, the domain unused', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('inventories/production/inventory.yaml', 'name: production\nproduction: true\n');
    tree.write('inventories/production/ocean/host.yaml', 'address: 192.168.1.143\n');
    tree.write('inventories/production/dns01/host.yaml', 'address: 192.168.1.198\n');
    tree.write(
      'packages/sonarr/service.ts',
      "export default defineService({ host: 'ocean', exposure: { port: 8989, domain: 'sonarr.terrac.com' } });\n",
    );
    tree.write('packages/sonarr/compose.yaml', 'services:\n  sonarr:\n    image: a/b:1\n    ports: ["8989:8989"]\n');
    const gen = (o: Partial<Parameters<typeof serviceGenerator>[1]>) =>
      serviceGenerator(tree, { name: 'newapp', image: 'org/newapp:1.0.0', ...o });
    await expect(gen({ host: 'nosuchhost' })).rejects.toThrow(
      '--host nosuchhost: no such host in inventories/production (one of: dns01, ocean)',
    );
    await expect(gen({ port: 99999 })).rejects.toThrow('--port 99999: a port is a whole number from 1 to 65535');
    await expect(gen({ port: 80, hostPort: 0 })).rejects.toThrow('--host-port 0: a port is a whole number from 1 to 65535');
    await expect(gen({ port: 8989 })).rejects.toThrow(
      '--host-port 8989: already published on ocean by sonarr (packages/sonarr/compose.yaml); pick a free port',
    );
    await expect(gen({ domain: 'sonarr.terrac.com' })).rejects.toThrow('--domain sonarr.terrac.com: already the domain of sonarr');
    expect(tree.exists('packages/newapp')).toBe(false);
    // The same port on another host is free.
    await gen({ port: 8989, host: 'dns01' });
    expect(tree.read('packages/newapp/compose.yaml', 'utf-8')).toContain('- "8989:8989"');
  });
});
