// The catalog's services that Debian packages (Prometheus, Alertmanager, node exporter, nginx, BIND 9) run for
// real on the lab through the real deploy path, and their health tests pass against the real servers.
import { join } from 'node:path';
import { Resolver } from 'node:dns/promises';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { labUp } from '@homelab/lab';
import { repoRoot } from '@homelab/model/testing';

const services = ['prometheus', 'alertmanager', 'node-exporter', 'nginx', 'bind9'];
const homelab = (...args: string[]) =>
  execa(process.execPath, ['--import', 'tsx', join(repoRoot, 'tools/cli/src/main.ts'), ...args], {
    cwd: repoRoot,
    reject: false,
    all: true,
  });

beforeAll(async () => {
  await labUp(repoRoot, () => {});
}, 300_000);

describe('catalog services on real servers in the lab', () => {
  it('deploy, then pass their health tests against the running servers', async () => {
    const deploy = await homelab('deploy', ...services, '--inventory', 'lab');
    expect(deploy.exitCode, String(deploy.all)).toBe(0);
    for (const s of services) expect(deploy.stdout).toMatch(new RegExp(`^${s}\\s+(ocean|dns01)\\s+(deployed|unchanged)`, 'm'));
    const health = await homelab('health', ...services, '--inventory', 'lab');
    expect(health.exitCode, String(health.all)).toBe(0);
    expect(health.stdout).toContain(
      '✔ alertmanager on ocean: GET http://10.231.0.2:9093/-/healthy: 200; GET http://10.231.0.2:9093/api/v2/status: 200',
    );
    expect(health.stdout).toContain('✔ nginx on ocean: GET http://10.231.0.2:80/healthz: 200; GET http://10.231.0.2:80/nginx_status: 200');
  }, 300_000);

  it('BIND 9 on dns01 answers for the .home zone generated from the lab inventory and the exposed services', async () => {
    const resolver = new Resolver({ timeout: 3000, tries: 2 });
    resolver.setServers(['10.231.1.2:5300']);
    expect(await resolver.resolve4('ocean.home')).toEqual(['10.231.0.2']);
    expect(await resolver.resolve4('dns01.home')).toEqual(['10.231.1.2']);
    // An exposed service answers at nginx's host.
    expect(await resolver.resolve4('prometheus.home')).toEqual(['10.231.0.2']);
  });

  it('a probe that the real server does not satisfy fails (the checks are not just open ports)', async () => {
    const r = await fetch('http://10.231.0.2:9100/metrics');
    expect(await r.text()).toMatch(/node_exporter_build_info\{/);
    const missing = await fetch('http://10.231.0.2/nginx_status_typo');
    expect(missing.status).toBe(404);
  });

  it('facts: each lab host as its own dockerd reports it, and no nvidia-smi', async () => {
    const r = await homelab('facts', '--json', '--inventory', 'lab');
    expect(r.exitCode, String(r.all)).toBe(0);
    const { hosts } = JSON.parse(r.stdout) as { hosts: Array<{ host: string; facts: Record<string, unknown> }> };
    expect(hosts.map((h) => h.host)).toEqual(['dns01', 'ocean']);
    const server = await execa('docker', ['version', '--format', '{{.Server.Version}}'], {
      env: { DOCKER_HOST: 'unix:///run/lab/ocean/docker.sock' },
    });
    expect(hosts[1]!.facts).toMatchObject({ docker: server.stdout.trim(), systemd: false, gpus: [], nvidiaSmi: { installed: false } });
    expect(hosts[1]!.facts.freeDiskMiB).toBeGreaterThan(0);
  });
});
