// The day-two commands on the lab, as an operator runs them: history, restart, stop, start, rollback
// --to, logs and a lock taken by hand, each checked against what the host and its containers do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { health, labWorkspace, serviceFiles, type LabWorkspace, type TestService } from '@homelab/lab/testing';

let lab: LabWorkspace;
beforeAll(async () => {
  lab = await labWorkspace();
});
afterAll(async () => {
  await lab?.cli(['lock', 'release', 'ocean', 'dns01']);
  await lab?.cleanup();
});

const svc = (): TestService => ({ name: `${lab.prefix}-ops`, host: 'ocean', port: 18121, title: 'v1' });
const get = () => health(18121);
const startedAt = () => lab.docker('ocean', ['inspect', '--format', '{{.State.StartedAt}}', `${svc().name}-web-1`]);
type History = { current: string; history: Array<{ id: string; action: string; result: string; version: string; by?: string }> };
const history = async () => JSON.parse((await lab.cli(['history', svc().name, '--json'])).stdout) as History;

describe('day-two commands on the lab', () => {
  it('history: every deploy with who, when, release and result', async () => {
    lab.write(svc());
    expect((await lab.cli(['deploy', svc().name])).exitCode).toBe(0);
    lab.write({ ...svc(), title: 'v2' });
    expect((await lab.cli(['deploy', svc().name])).exitCode).toBe(0);
    const h = await history();
    expect(h.history.map((e) => [e.action, e.result])).toEqual([
      ['deploy', 'deployed'],
      ['deploy', 'deployed'],
    ]);
    expect(h.current).toBe(`releases/${h.history[0]!.id}`);
    expect(h.history[0]!.by).toBeTruthy();
    const table = await lab.cli(['history', svc().name]);
    expect(table.stdout.split('\n')[0]).toMatch(/^when\s+action\s+result\s+release\s+version\s+git\s+by\s+note$/);
  });

  it('restart, stop and start: through the lock, health-gated, recorded; a stopped service stays stopped', async () => {
    const before = await startedAt();
    const restart = await lab.cli(['restart', svc().name]);
    expect(restart.exitCode, restart.all).toBe(0);
    expect(restart.stdout).toMatch(new RegExp(`${svc().name}\\s+ocean\\s+restarted`));
    expect(await startedAt()).not.toBe(before);
    expect(await get()).toBe('ok v2\n');

    const stop = await lab.cli(['stop', svc().name]);
    expect(stop.exitCode, stop.all).toBe(0);
    await expect(get()).rejects.toThrow();
    const status = await lab.cli(['status', 'ocean', '--json']);
    const row = (JSON.parse(status.stdout) as { services: Array<{ service: string; health: string }> }).services.find(
      (r) => r.service === svc().name,
    );
    expect(row?.health).toMatch(/^stopped \(by .* at .*; homelab start brings it back\)$/);
    // A deploy of the same release leaves it stopped (it was stopped on purpose).
    expect((await lab.cli(['deploy', svc().name])).stdout).toMatch(new RegExp(`${svc().name}\\s+ocean\\s+unchanged`));
    await expect(get()).rejects.toThrow();

    const start = await lab.cli(['start', svc().name]);
    expect(start.exitCode, start.all).toBe(0);
    expect(await get()).toBe('ok v2\n');
    expect((await history()).history.slice(0, 3).map((e) => e.action)).toEqual(['start', 'stop', 'restart']);
  });

  it('rollback --to a version or release prefix; an unknown one names the choices', async () => {
    const first = (await history()).history.findLast((e) => e.action === 'deploy')!;
    const miss = await lab.cli(['rollback', svc().name, '--to', '9.9.9']);
    expect(miss.exitCode).toBe(1);
    expect(miss.stderr).toContain(`keeps no healthy release matching "9.9.9"`);
    expect(miss.stderr).toContain(first.id);
    const back = await lab.cli(['rollback', svc().name, '--to', first.id.slice(0, 18)]);
    expect(back.exitCode, back.all).toBe(0);
    expect(await get()).toBe('ok v1\n');
    expect((await history()).history[0]).toMatchObject({ id: first.id, action: 'rollback', result: 'deployed' });
  });

  it('logs: the containers of the service, prefixed, the last lines', async () => {
    await lab.docker('ocean', ['exec', `${svc().name}-web-1`, 'sh', '-c', 'echo day-two-marker > /proc/1/fd/1']);
    const logs = await lab.cli(['logs', svc().name, '--lines', '20']);
    expect(logs.exitCode, logs.all).toBe(0);
    expect(logs.stdout).toMatch(/^web-1\s+\| \S+ day-two-marker$/m);
  });

  it('lock acquire -m: deploys meet the lock and show why; release frees the host', async () => {
    const taken = await lab.cli(['lock', 'acquire', 'ocean', '-m', 'replacing the ZFS disk']);
    expect(taken.exitCode, taken.all).toBe(0);
    expect((await lab.cli(['lock', 'status', 'ocean'])).stdout).toMatch(/^ocean: locked by hand by .*: "replacing the ZFS disk"/m);
    lab.write({ ...svc(), title: 'v3' });
    const refused = await lab.cli(['deploy', svc().name], { lockWait: 0 });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/ocean is locked by .*"lock acquire".*: "replacing the ZFS disk"/);
    expect(refused.stderr).toContain('it was taken by hand');
    expect((await lab.cli(['lock', 'release', 'ocean'])).exitCode).toBe(0);
    expect((await lab.cli(['deploy', svc().name])).exitCode).toBe(0);
    expect(await get()).toBe('ok v3\n');
  });

  it('lock acquire of several hosts is all or nothing; a wrong host name changes no lock', async () => {
    // Hosts are taken in name order: dns01, then ocean, which is already locked by hand.
    expect((await lab.cli(['lock', 'acquire', 'ocean', '-m', 'moving the rack'])).exitCode).toBe(0);
    const both = await lab.cli(['lock', 'acquire', 'ocean', 'dns01', '-m', 'kernel update']);
    expect(both.exitCode).toBe(1);
    expect(both.stdout).toMatch(/^dns01: locked: "kernel update"/m);
    expect(both.stderr).toMatch(/ocean is locked by .*: "moving the rack"/);
    expect(both.stderr).toContain('dns01: lock released again (not every host could be locked)');
    expect((await lab.cli(['lock', 'status', 'dns01'])).stdout).toMatch(/^dns01: free$/m);
    const typo = await lab.cli(['lock', 'release', 'ocean', 'dns02']);
    expect(typo.exitCode).toBe(1);
    expect(typo.stderr).toContain('no host "dns02"');
    expect((await lab.cli(['lock', 'status', 'ocean'])).stdout).toMatch(/^ocean: locked by hand by .*: "moving the rack"/m);
    expect((await lab.cli(['lock', 'release', 'ocean'])).exitCode).toBe(0);
    expect((await lab.cli(['lock', 'status', 'ocean'])).stdout).toMatch(/^ocean: free$/m);
  });

  it('exec: a command in the container of the current release, its output and exit code passed through', async () => {
    const cat = await lab.cli(['exec', svc().name, '--', 'cat', '/www/health']);
    expect(cat.exitCode, cat.all).toBe(0);
    expect(cat.stdout).toBe('ok v3');
    expect((await lab.cli(['exec', svc().name, '-T', '--', 'sh', '-c', 'exit 3'])).exitCode).toBe(3);
    const wrong = await lab.cli(['exec', svc().name, '--container', 'nope', '--', 'true']);
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toContain('has no service "nope"');
  });

  it('prune: release folders beyond --keep and the images only they named; a dry run changes nothing', async () => {
    // A release of its own image tag, then one back on the usual image: the first is what prune removes.
    await lab.docker('ocean', ['tag', 'lab/busybox:1.35.0', 'lab/busybox:prune-test']);
    const files = serviceFiles({ ...svc(), title: 'old' });
    const compose = `packages/${svc().name}/compose.yaml`;
    files[compose] = files[compose]!.replace('lab/busybox:1.35.0', 'lab/busybox:prune-test');
    lab.writeFiles('ocean', svc().name, files);
    expect((await lab.cli(['deploy', svc().name])).exitCode).toBe(0);
    lab.write({ ...svc(), title: 'v4' });
    expect((await lab.cli(['deploy', svc().name])).exitCode).toBe(0);

    const dry = await lab.cli(['prune', 'ocean', '--keep', '1', '--dry-run', '--json']);
    expect(dry.exitCode, dry.all).toBe(0);
    const plan = (JSON.parse(dry.stdout) as { hosts: Array<{ releases: string[]; images: string[] }> }).hosts[0]!;
    expect(plan.images).toEqual(['lab/busybox:prune-test']);
    expect(plan.releases.length).toBeGreaterThan(0);
    expect(plan.releases.every((r) => r.startsWith(`${svc().name}/releases/`))).toBe(true);
    expect(await lab.docker('ocean', ['image', 'ls', '-q', 'lab/busybox:prune-test'])).not.toBe('');

    const done = await lab.cli(['prune', 'ocean', '--keep', '1']);
    expect(done.exitCode, done.all).toBe(0);
    expect(done.stdout).toContain(`ocean: removed ${plan.releases.length} release folder(s) and 1 image(s)`);
    expect(await lab.docker('ocean', ['image', 'ls', '-q', 'lab/busybox:prune-test'])).toBe('');
    expect(await lab.docker('ocean', ['image', 'ls', '-q', 'lab/busybox:1.35.0'])).not.toBe('');
    expect(await get()).toBe('ok v4\n');
    expect((await lab.cli(['prune', 'ocean', '--keep', '1', '--json'])).stdout).toMatch(/"releases": \[\]/);
  });
});
