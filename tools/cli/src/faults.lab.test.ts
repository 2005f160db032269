// The fault matrix on the lab: what an operator's bad day does to a deploy, each case run for real
// (real sshd, dockerd, Compose, signals, a cut network link) and its outcome checked on the host.
//
// Elsewhere in the suite, the rest of the matrix:
// - a service that cannot be loaded / calls process.exit: validate.test.ts, deploy.test.ts (faked executor)
// - 100 rounds of three processes taking one stale lock (one holder each round), a lock that cannot be
//   written (disk full, read-only, permission): libs/host/src/lock.local.test.ts
// - disk full while staging ("nothing changed", no rollback): libs/deploy/src/pipeline.test.ts
// - Docker installed but stopped vs not installed: libs/host/src/facts.local.test.ts, pipeline.test.ts
// - the SSH connection cut mid-deploy, a host that is down, concurrent deploys: deploy.lab.test.ts
// - secrets on the process list during deploys and healthchecks: secrets.lab.test.ts,
//   catalog-databases.lab.test.ts; a tampered vault value: libs/vault/src/service-secrets.test.ts
import { existsSync, mkdirSync, readFileSync, readlinkSync, utimesSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controlPath, defaultControlDir } from '@homelab/host';
import { health, labWorkspace, serviceFiles, untilOutput, type LabWorkspace, type TestService } from '@homelab/lab/testing';

let lab: LabWorkspace;
beforeAll(async () => {
  lab = await labWorkspace();
});
afterAll(async () => {
  await lab?.cleanup();
});

const ocean = () => lab.inventory.hosts.ocean!;
const serviceDir = (name: string) => `${ocean().deployRoot}/${name}`;
const current = (name: string) => readlinkSync(`${serviceDir(name)}/current`).replace(/^releases\//, '');

// Kills the CLI and every SSH client of this machine to the lab host, as a crash or a lost laptop would.
async function killHard(run: ReturnType<LabWorkspace['cli']>): Promise<void> {
  process.kill(-run.pid!, 'SIGKILL');
  await execa('pkill', ['-KILL', '-f', `ControlPath=${controlPath(ocean(), defaultControlDir)}`], { reject: false });
  await run.catch(() => undefined);
}

// Deploys `s`, then starts a deploy of it with a new title and resolves once that one prints `step`;
// `before` is the release the first deploy made current.
async function changeInFlight(
  s: TestService,
  title: string,
  step: string,
): Promise<{ run: ReturnType<LabWorkspace['cli']>; before: string }> {
  lab.write(s);
  expect((await lab.cli(['deploy', s.name])).exitCode).toBe(0);
  const before = current(s.name);
  lab.write({ ...s, title });
  const run = lab.cli(['deploy', s.name]);
  await untilOutput(run, step);
  return { run, before };
}

// A test service whose `compose up` takes a few seconds: web waits for a gate service to turn healthy,
// and the gate is recreated for every round (so every deploy waits for it again).
function slowService(s: TestService, round: string): Record<string, string> {
  const files = serviceFiles(s);
  const compose = `packages/${s.name}/compose.yaml`;
  files[compose] = files[compose]!.replace(
    '    healthcheck:',
    '    depends_on:\n      gate: { condition: service_healthy }\n    healthcheck:',
  ).replace(
    'volumes:\n  data: {}',
    [
      '  gate:',
      '    image: lab/busybox:1.35.0',
      '    init: true',
      `    environment: { ROUND: "${round}" }`,
      '    command: ["sh", "-c", "sleep 4 && touch /tmp/ready && exec sleep 3600"]',
      '    healthcheck:',
      '      test: ["CMD", "test", "-e", "/tmp/ready"]',
      '      interval: 1s',
      '      retries: 30',
      'volumes:',
      '  data: {}',
    ].join('\n'),
  );
  return files;
}

describe('faults on the lab', () => {
  it('kill -9 during compose up: status says unverified, the lock stale; rollback waits for the abandoned compose up, then goes behind it, and further back', async () => {
    const s: TestService = { name: `${lab.prefix}-int`, host: 'ocean', port: 18111, title: 'D' };
    const deploy = async (title: string) => {
      lab.writeFiles('ocean', s.name, slowService({ ...s, title }, title));
      const r = await lab.cli(['deploy', s.name]);
      expect(r.exitCode, r.all).toBe(0);
      return current(s.name);
    };
    const d = await deploy('D');
    const e = await deploy('E');

    lab.writeFiles('ocean', s.name, slowService({ ...s, title: 'F' }, 'F'));
    const run = lab.cli(['deploy', s.name]);
    await untilOutput(run, 'starting containers');
    // Killed once compose up runs on the host (its pid file names it); it goes on there, abandoned.
    await expect.poll(() => existsSync(`${serviceDir(s.name)}/.compose-up.pid`), { timeout: 10_000, interval: 50 }).toBe(true);
    await killHard(run);
    const f = current(s.name);
    expect(f).not.toBe(e);
    expect(JSON.parse(readFileSync(`${serviceDir(s.name)}/intent.json`, 'utf8'))).toMatchObject({ action: 'deploy', id: f, from: e });

    const status = await lab.cli(['status', '--json', 'ocean']);
    expect(status.exitCode).toBe(1);
    const row = (JSON.parse(status.stdout) as { services: Array<Record<string, unknown>> }).services.find((r) => r.service === s.name);
    expect(row).toMatchObject({ release: f, verified: false });
    expect(String(row!.health)).toMatch(
      new RegExp(`^UNVERIFIED: an earlier deploy to ${f} .* did not finish: ${f} is current but was never verified`),
    );

    const lock = await lab.cli(['lock', 'status', 'ocean']);
    expect(lock.stdout).toMatch(/^ocean: locked by .*"deploy t\w+-int".*: STALE \(its process is gone\); the next deploy takes it over$/m);

    const back = await lab.cli(['rollback', s.name]);
    expect(back.exitCode, back.all).toBe(0);
    expect(back.stderr).toMatch(/took over a stale host lock of .*"deploy t\w+-int"/);
    expect(back.stderr).toContain(`an earlier deploy to ${f}`);
    expect(back.stderr).toMatch(/an abandoned docker compose up \(pid \d+\) is still running: waiting for it/);
    expect(back.stderr).toContain(`rolling back from ${f} to ${e}`);
    expect(current(s.name)).toBe(e);
    expect(await health(s.port)).toBe('ok E\n');
    expect(existsSync(`${serviceDir(s.name)}/intent.json`)).toBe(false);

    const again = await lab.cli(['rollback', s.name]);
    expect(again.exitCode, again.all).toBe(0);
    expect(current(s.name)).toBe(d);
    expect(await health(s.port)).toBe('ok D\n');
    const none = await lab.cli(['rollback', s.name]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain(`has no healthy release older than ${d}`);

    const history = JSON.parse(readFileSync(`${serviceDir(s.name)}/state.json`, 'utf8')).history as Array<Record<string, string>>;
    expect(history.slice(0, 4).map((h) => [h.id, h.action, h.result])).toEqual([
      [d, 'rollback', 'deployed'],
      [e, 'rollback', 'deployed'],
      [e, 'deploy', 'deployed'],
      [d, 'deploy', 'deployed'],
    ]);
  });

  it('a network cut of about 10 s mid-deploy: the SSH steps are retried, the deploy completes', async () => {
    const s: TestService = { name: `${lab.prefix}-net`, host: 'ocean', port: 18112, title: 'n1' };
    const { run } = await changeInFlight(s, 'n2', 'staging release');
    await execa('ip', ['link', 'set', 'lab-ocean', 'down']);
    try {
      await new Promise((r) => setTimeout(r, 10_000));
    } finally {
      await execa('ip', ['link', 'set', 'lab-ocean', 'up']);
    }
    const done = await run;
    expect(done.exitCode, done.all).toBe(0);
    expect(done.stdout).toMatch(new RegExp(`${s.name}\\s+ocean\\s+deployed`));
    expect(done.stderr).toMatch(/ocean: connection failed \(.+\); trying again in \d+s \(for up to \d+s\)/);
    expect(await health(s.port)).toBe('ok n2\n');
  });

  it('SIGINT before the switch: exit 130, nothing changed, the lock released', async () => {
    const s: TestService = { name: `${lab.prefix}-sig`, host: 'ocean', port: 18113, title: 's1' };
    const { run, before } = await changeInFlight(s, 's2', 'staging release');
    process.kill(run.pid!, 'SIGINT');
    const r = await run;
    expect(r.exitCode, r.all).toBe(130);
    expect(r.stdout).toMatch(new RegExp(`${s.name}\\s+ocean\\s+interrupted`));
    expect(r.stderr).toContain('SIGINT: stopping at the next safe point');
    expect(r.stderr).toContain(`stopped by SIGINT before the switch: nothing changed (releases/${before} is still current)`);
    expect(current(s.name)).toBe(before);
    expect(await health(s.port)).toBe('ok s1\n');
    expect((await lab.cli(['lock', 'status', 'ocean'])).stdout).toMatch(/^ocean: free$/m);
  });

  it('SIGTERM after the switch: the release finishes its health gate and is recorded, exit 143, the lock released', async () => {
    const s: TestService = { name: `${lab.prefix}-term`, host: 'ocean', port: 18114, title: 't1' };
    const { run } = await changeInFlight(s, 't2', 'starting containers');
    process.kill(run.pid!, 'SIGTERM');
    const r = await run;
    expect(r.exitCode, r.all).toBe(143);
    expect(r.stdout).toMatch(new RegExp(`${s.name}\\s+ocean\\s+deployed`));
    expect(await health(s.port)).toBe('ok t2\n');
    const state = JSON.parse(readFileSync(`${serviceDir(s.name)}/state.json`, 'utf8'));
    expect(state.current.id).toBe(current(s.name));
    expect(existsSync(`${serviceDir(s.name)}/intent.json`)).toBe(false);
    expect((await lab.cli(['lock', 'status', 'ocean'])).stdout).toMatch(/^ocean: free$/m);
  });

  it('a lock folder without a holder file, older than 30 s, is taken over and said; state files are private', async () => {
    const s: TestService = { name: `${lab.prefix}-lck`, host: 'ocean', port: 18115, title: 'l1' };
    lab.write(s);
    const dir = `${ocean().deployRoot}/.homelab.lock`;
    mkdirSync(dir, { recursive: true });
    const old = Date.now() / 1000 - 60;
    utimesSync(dir, old, old);
    const r = await lab.cli(['deploy', s.name], { lockWait: 0 });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stderr).toMatch(/took over a stale host lock of an unknown holder, \d+s old/);
    for (const file of [
      `${serviceDir(s.name)}/state.json`,
      `${serviceDir(s.name)}/current/release.json`,
      `${ocean().deployRoot}/.fingerprint-key`,
    ])
      expect((await execa('stat', ['-c', '%a', file])).stdout, file).toBe('600');
  });
});
