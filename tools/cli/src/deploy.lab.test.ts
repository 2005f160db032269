// The deploy engine on the lab: real sshd, real dockerd, real Compose, each outcome checked on the host.
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPath, defaultControlDir } from '@homelab/host';
import { health, labWorkspace, untilOutput, type LabWorkspace, type TestService } from '@homelab/lab/testing';

let lab: LabWorkspace;
beforeAll(async () => {
  lab = await labWorkspace();
});
afterAll(async () => {
  await lab?.cleanup();
});

const get = (address: string, port: number) => health(port, address);

function startedAt(host: string, project: string): Promise<string> {
  return lab.docker(host, ['inspect', '--format', '{{.State.StartedAt}}', `${project}-web-1`]);
}

function deployRoot(host: string) {
  return lab.inventory.hosts[host]!.deployRoot;
}

describe('deploy on the lab', () => {
  const web = (over: Partial<TestService> = {}): TestService => ({
    name: `${lab.prefix}-web`,
    host: 'ocean',
    port: 18081,
    title: 'v1',
    ...over,
  });

  it('first deploy: healthy and answering; second deploy: unchanged, no container restarted', async () => {
    lab.write(web());
    const first = await lab.cli(['deploy', web().name]);
    expect(first.all).toMatch(/deployed/);
    expect(first.exitCode).toBe(0);
    expect(await get('10.231.0.2', 18081)).toBe('ok v1\n');
    const before = await startedAt('ocean', web().name);

    const second = await lab.cli(['deploy', web().name]);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(new RegExp(`${web().name}\\s+ocean\\s+unchanged`));
    expect(await startedAt('ocean', web().name)).toBe(before);

    const state = JSON.parse(readFileSync(`${deployRoot('ocean')}/${web().name}/state.json`, 'utf8'));
    expect(state.current).toMatchObject({ service: web().name, version: '1.0.0', host: 'ocean' });
    const env = `${deployRoot('ocean')}/${web().name}/current/.env`;
    expect((await execa('stat', ['-c', '%a', env])).stdout).toBe('600');
  });

  it('data in a named volume survives a change and a rollback; rollback brings the previous release back', async () => {
    await lab.docker('ocean', ['exec', `${web().name}-web-1`, 'sh', '-c', 'echo precious > /www/data/keep.txt']);
    const firstRelease = readlinkSync(`${deployRoot('ocean')}/${web().name}/current`);

    lab.write(web({ title: 'v2' }));
    const change = await lab.cli(['deploy', web().name]);
    expect(change.exitCode).toBe(0);
    expect(change.stdout).toMatch(/deployed/);
    expect(await get('10.231.0.2', 18081)).toBe('ok v2\n');
    expect(readlinkSync(`${deployRoot('ocean')}/${web().name}/current`)).not.toBe(firstRelease);
    expect(await lab.docker('ocean', ['exec', `${web().name}-web-1`, 'cat', '/www/data/keep.txt'])).toBe('precious');

    const back = await lab.cli(['rollback', web().name]);
    expect(back.exitCode).toBe(0);
    expect(back.stdout).toMatch(/rolled back/);
    expect(await get('10.231.0.2', 18081)).toBe('ok v1\n');
    expect(readlinkSync(`${deployRoot('ocean')}/${web().name}/current`)).toBe(firstRelease);
    expect(await lab.docker('ocean', ['exec', `${web().name}-web-1`, 'cat', '/www/data/keep.txt'])).toBe('precious');
  });

  it('a release whose health test fails is rolled back automatically, with a non-zero exit saying why', async () => {
    lab.write(web({ title: 'v3', healthy: false }));
    const bad = await lab.cli(['deploy', web().name]);
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout).toMatch(new RegExp(`${web().name}\\s+ocean\\s+rolled back`));
    expect(bad.stderr).toMatch(/failed its health test[\s\S]*does not match[\s\S]*rolled back to .* which is healthy/);
    expect(await get('10.231.0.2', 18081)).toBe('ok v1\n');
    expect(await lab.docker('ocean', ['exec', `${web().name}-web-1`, 'cat', '/www/data/keep.txt'])).toBe('precious');
    lab.write(web({ title: 'v1' }));
  });

  it('two deploys at once to one host: without waiting one fails naming the lock holder, nothing half-written', async () => {
    const a = web({ name: `${lab.prefix}-a`, port: 18082, title: 'a' });
    const b = web({ name: `${lab.prefix}-b`, port: 18083, title: 'b' });
    lab.write(a);
    lab.write(b);
    const first = lab.cli(['deploy', a.name], { lockWait: 0 });
    await untilOutput(first, 'staging release');
    const second = await lab.cli(['deploy', b.name], { lockWait: 0 });
    const firstDone = await first;
    expect(firstDone.exitCode).toBe(0);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(/ocean is locked by \S+ \(pid \d+, "deploy .*-a"/);
    expect(existsSync(`${deployRoot('ocean')}/${b.name}/releases`)).toBe(false);
    expect(readdirSync(`${deployRoot('ocean')}/${a.name}/releases`).filter((r) => r.endsWith('.partial'))).toEqual([]);

    // With waiting allowed, the second deploy waits for the lock and then succeeds.
    lab.write({ ...a, title: 'a2' });
    const x = lab.cli(['deploy', a.name]);
    await untilOutput(x, 'staging release');
    const y = await lab.cli(['deploy', b.name]);
    expect((await x).exitCode).toBe(0);
    expect(y.exitCode).toBe(0);
    expect(y.stderr).toMatch(/waiting for the host lock held by/);
    expect(await get('10.231.0.2', 18083)).toBe('ok b\n');
  });

  it('the SSH connection cut mid-deploy: the host still runs a whole release, the next deploy completes', async () => {
    lab.write(web({ title: 'v4' }));
    const run = lab.cli(['deploy', web().name]);
    await untilOutput(run, 'starting containers');
    // Cut: kill the deploy and its SSH connection.
    process.kill(-run.pid!, 'SIGKILL');
    const socket = controlPath(lab.inventory.hosts.ocean!, defaultControlDir);
    await execa('pkill', ['-KILL', '-f', `ControlPath=${socket}`], { reject: false });
    await run.catch(() => undefined);

    const current = readlinkSync(`${deployRoot('ocean')}/${web().name}/current`);
    const dir = `${deployRoot('ocean')}/${web().name}/${current}`;
    for (const f of ['compose.yaml', '.env', 'release.json']) expect(existsSync(`${dir}/${f}`)).toBe(true);
    await expect.poll(() => get('10.231.0.2', 18081).catch(() => ''), { timeout: 20_000 }).toMatch(/^ok v[14]\n$/);

    const next = await lab.cli(['deploy', web().name]);
    expect(next.exitCode).toBe(0);
    expect(next.stdout).toMatch(new RegExp(`${web().name}\\s+ocean\\s+deployed`));
    expect(await get('10.231.0.2', 18081)).toBe('ok v4\n');
  });

  it('a host that is down: a clear error naming it within seconds, while the other host is still deployed', async () => {
    const onDns = web({ name: `${lab.prefix}-dns`, host: 'dns01', port: 18084, title: 'd' });
    const onOcean = web({ name: `${lab.prefix}-o`, port: 18085, title: 'o' });
    lab.write(onDns);
    lab.write(onOcean);
    await execa('ip', ['link', 'set', 'lab-dns01', 'down']);
    try {
      const r = await lab.cli(['deploy', onDns.name, onOcean.name]);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`${onDns.name}\\s+dns01\\s+failed`));
      expect(r.stdout).toMatch(new RegExp(`${onOcean.name}\\s+ocean\\s+deployed`));
      expect(r.stderr).toMatch(/dns01 \(root@10\.231\.1\.2:22\)[\s\S]*is dns01 \(10\.231\.1\.2:22\) up and running sshd/);
      const table = r.stdout.split('\n').find((l) => l.startsWith(onDns.name))!;
      // It fails rather than hangs: bounded by the SSH connect and keep-alive timeouts.
      expect(Number(table.trim().split(/\s+/).at(-1))).toBeLessThan(20);
    } finally {
      await execa('ip', ['link', 'set', 'lab-dns01', 'up']);
    }
  });

  it('status --json shows what runs where, with version, health and deploy time', async () => {
    const r = await lab.cli(['status', '--json', 'ocean']);
    const status = JSON.parse(r.stdout) as {
      services: Array<{ service: string; host: string; version: string; health: string; deployedAt: string }>;
    };
    const row = status.services.find((s) => s.service === web().name)!;
    expect(row).toMatchObject({ host: 'ocean', version: '1.0.0', health: 'healthy' });
    expect(Date.parse(row.deployedAt)).toBeGreaterThan(Date.now() - 10 * 60_000);
  });
});
