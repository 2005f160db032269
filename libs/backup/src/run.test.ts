// Orchestration with the executor faked: the password only on stdin, restic's failures as clear
// errors, and a restore that stages first (a failure there changes nothing) and then goes through
// the release pipeline (lock, stop, put in place, start, health gate, history).
import { describe, expect, it } from 'vitest';
import type { DeployState } from '@homelab/deploy';
import { FakeExecutor } from '@homelab/deploy/testing';
import type { Inventory } from '@homelab/model';
import { host, inventory, service } from '@homelab/model/testing';
import { ResticError } from './errors.ts';
import { chooseSnapshot, restore, runBackup, type HostContext, type Snapshot } from './run.ts';

const ocean = host('ocean', { deployRoot: '/opt/homelab' });
const inv: Inventory = {
  ...inventory([ocean]),
  backup: {
    targets: [{ name: 'local', repository: '/srv/restic' }],
    passwordFile: '/inv/backup.vault.yaml',
    textfileDir: '/tx',
    check: 'weekly',
  },
};
const app = service(
  'app',
  {
    backups: { volumes: ['/srv/app'] },
    health: { probes: [{ type: 'http', port: 8080, path: '/' }], timeoutSeconds: 0.05, intervalSeconds: 0.01 },
  } as never,
  { services: { app: { image: 'example/app:1', volumes: ['/srv/app:/data'] } } },
);
const password = 'correct horse battery';
const ctx = (ex: FakeExecutor): HostContext => ({ host: ocean, inventory: inv, executor: ex, password, log: () => {} });
const summary = '{"message_type":"summary","data_added":10,"total_bytes_processed":2048,"snapshot_id":"1a2b3c4d"}';
const wrongPassword = { exitCode: 6, stderr: '--target-- local\nFatal: wrong password or no key found\n' };

describe('backup run', () => {
  it('sends the password on stdin only, and reads each target summary', async () => {
    const ex = new FakeExecutor('ocean', [[/restic -r/, { stdout: `--summary-- local ${summary}\n` }]]);
    const out = await runBackup(app, ctx(ex));
    expect(out).toMatchObject({ ok: true, targets: [{ target: 'local', snapshot: '1a2b3c4d', bytes: 2048, added: 10 }] });
    expect(ex.calls).toHaveLength(1);
    expect(ex.calls[0]!.input).toBe(password);
    expect(ex.calls[0]!.script).not.toContain(password);
    expect(ex.calls[0]!.script).toContain(`head -c ${password.length} > "$pwf"`);
  });

  it('a wrong password names the target and the vault file; an unreachable server says to check the network', async () => {
    const bad = await runBackup(app, ctx(new FakeExecutor('ocean', [[/restic -r/, wrongPassword]])));
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(
      /^ocean: `restic backup of app \(target local: \/srv\/restic\)` failed with exit code 6: Fatal: wrong password or no key found\n {2}fix: the restic password \(RESTIC_PASSWORD in \/inv\/backup\.vault\.yaml\) does not open this repository/,
    );
    const down = await runBackup(
      app,
      ctx(
        new FakeExecutor('ocean', [
          [
            /restic -r/,
            {
              exitCode: 6,
              stderr: '--target-- local\nFatal: unable to open repository at sftp:x@y:/r: ssh command exited: exit status 255\n',
            },
          ],
        ]),
      ),
    );
    expect(down.message).toMatch(/fix: the repository \/srv\/restic cannot be reached from the host/);
  });
});

const snap = (id: string, time: string, tags = ['homelab', 'service:app', 'host:ocean'], hostname = 'ocean'): Snapshot => ({
  id: `${id}${'0'.repeat(56)}`,
  shortId: id,
  time,
  host: hostname,
  tags,
  paths: ['/srv/app'],
  target: 'local',
});

describe('choosing a snapshot', () => {
  const all = [
    snap('aaaa1111', '2026-11-01T00:00:00Z'),
    snap('bbbb2222', '2026-11-02T00:00:00Z'),
    snap('cccc3333', '2026-11-03T00:00:00Z', ['service:other']),
  ];
  it('the newest of the service on its host, or the one named', () => {
    expect(chooseSnapshot(all, 'app', 'ocean', undefined).shortId).toBe('bbbb2222');
    expect(chooseSnapshot(all, 'app', 'ocean', 'aaaa').shortId).toBe('aaaa1111');
  });
  it("refuses another service's snapshot, an unknown id and a service never backed up", () => {
    expect(() => chooseSnapshot(all, 'app', 'ocean', 'cccc')).toThrow(/snapshot cccc3333 is of other, not app/);
    expect(() => chooseSnapshot(all, 'app', 'ocean', 'ffff')).toThrow(/no snapshot ffff in the repository/);
    expect(() => chooseSnapshot(all, 'nope', 'ocean', undefined)).toThrow(
      /there is no snapshot of nope from ocean\n {2}fix: back it up first: homelab backup run nope/,
    );
  });
});

const state: DeployState = {
  current: {
    service: 'app',
    host: 'ocean',
    inventory: 'test',
    id: '20261126T030000Z-e',
    version: '1.0.0',
    gitSha: 'abc',
    hash: 'h',
    createdAt: 'x',
    secrets: {},
    deployedAt: 'x',
  },
  history: [],
};
const stateOutput = `--state--\n${JSON.stringify(state)}\n--current--\nreleases/20261126T030000Z-e\n--compose--\n--releases--\n20261126T030000Z-e\n--running--\n1\n`;
const snapshotsJson = JSON.stringify([
  {
    id: `bbbb2222${'0'.repeat(56)}`,
    short_id: 'bbbb2222',
    time: '2026-11-02T00:00:00Z',
    hostname: 'ocean',
    tags: ['homelab', 'service:app'],
    paths: ['/srv/app'],
  },
]);
const transition = {
  lockWaitMs: 0,
  target: { address: '10.0.0.2', containerStates: async () => [], fetch: (async () => new Response('ok')) as typeof fetch },
};

describe('restore', () => {
  it('stages, then under the lock: stop, put in place, start, health gate, recorded as a restore', async () => {
    const ex = new FakeExecutor('ocean', [
      [/ snapshots --json/, snapshotsJson],
      [/^mkdir -p \/opt\/homelab && if mkdir/, 'ACQUIRED\n'],
      [/--state--/, stateOutput],
    ]);
    const r = await restore(app, ctx(ex), transition, {});
    expect(r).toMatchObject({ service: 'app', result: 'restored', release: '20261126T030000Z-e' });
    const steps = ex.steps();
    const at = (re: RegExp) => steps.findIndex((s) => re.test(s));
    const order = [
      / snapshots --json/,
      / restore bbbb2222\S* --target \/opt\/homelab\/app\/backup\/restore/,
      /if mkdir/,
      /docker compose stop >&2 2>&1 && docker compose up --no-start/,
      /docker compose up -d --no-recreate/,
      /state\.json\.tmp/,
    ];
    const found = order.map(at);
    expect(found.every((i) => i >= 0)).toBe(true);
    expect([...found].sort((a, b) => a - b)).toEqual(found);
    for (const c of ex.calls) expect(c.script).not.toContain(password);
    const written = JSON.parse(ex.calls.findLast((c) => c.script.includes('state.json.tmp'))!.input!) as DeployState;
    expect(written.history[0]).toMatchObject({ action: 'restore', result: 'deployed', id: '20261126T030000Z-e' });
  });

  it('a wrong password fails while staging: no lock, nothing stopped, the stage removed', async () => {
    const ex = new FakeExecutor('ocean', [
      [/ snapshots --json/, snapshotsJson],
      [/ restore /, wrongPassword],
    ]);
    await expect(restore(app, ctx(ex), transition, {})).rejects.toBeInstanceOf(ResticError);
    expect(ex.steps().some((s) => /if mkdir|docker compose/.test(s))).toBe(false);
    expect(ex.steps().at(-1)).toBe('rm -rf /opt/homelab/app/backup/restore');
  });

  it('--to restores into a folder and leaves the service alone', async () => {
    const ex = new FakeExecutor('ocean', [[/ snapshots --json/, snapshotsJson]]);
    const r = await restore(app, ctx(ex), transition, { to: '/tmp/out', snapshot: 'bbbb' });
    expect(r.message).toBe('snapshot bbbb2222 of 2026-11-02T00:00:00Z from local is in /tmp/out on ocean; the service was not touched');
    expect(ex.steps().some((s) => /if mkdir|docker compose|rm -rf/.test(s))).toBe(false);
  });
});
