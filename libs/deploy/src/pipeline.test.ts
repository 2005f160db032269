// The release pipeline with the executor faked: rollback and status orchestration, what a failure
// before the switch leaves, and the host's history read in every vocabulary it was written in.
import { describe, expect, it } from 'vitest';
import { host, service } from '@homelab/model/testing';
import { deployService, type DeployInput } from './apply.ts';
import { parseState, type DeployState, type HistoryEntry, type ReleaseRecord } from './record.ts';
import { chosenRelease, rollbackService, rollbackTarget } from './rollback.ts';
import { operateService } from './operate.ts';
import { composeOperationScript } from './remote.ts';
import { hostStatus } from './status.ts';
import { dockerProblem } from './many.ts';
import { FakeExecutor } from './testing.ts';

const ocean = host('ocean', { deployRoot: '/opt/homelab' });
const svc = service(
  'app',
  {},
  { services: { app: { image: 'example/app:1.0.0', ports: ['8080:80'], healthcheck: { test: ['CMD', 'true'] } } } },
);
const at = '2026-11-26T07:00:00.000Z';
const rec = (id: string, version = '1.0.0'): ReleaseRecord => ({
  service: 'app',
  host: 'ocean',
  inventory: 'test',
  id,
  version,
  gitSha: 'abc',
  hash: `h-${id}`,
  createdAt: at,
  secrets: {},
});
const entry = (id: string, result: HistoryEntry['result'] = 'deployed', action: HistoryEntry['action'] = 'deploy'): HistoryEntry => ({
  id,
  version: '1.0.0',
  gitSha: 'abc',
  at,
  action,
  result,
});
// D and E deployed healthy (E current), F failed and was rolled back.
const healthyDE: DeployState = {
  current: { ...rec('20261126T030000Z-e'), deployedAt: at },
  history: [entry('20261126T040000Z-f', 'failed'), entry('20261126T030000Z-e'), entry('20261126T020000Z-d')],
};
const releases = ['20261126T020000Z-d', '20261126T030000Z-e', '20261126T040000Z-f'];

function stateOutput(state: DeployState | undefined, current: string | undefined, kept = releases): string {
  return `--state--\n${state ? JSON.stringify(state) : ''}\n--current--\n${current ?? ''}\n--compose--\n--releases--\n${kept.join('\n')}\n--running--\n1\n`;
}
const lockRule: [RegExp, string] = [/^mkdir -p \/opt\/homelab && if mkdir/, 'ACQUIRED\n'];
const releaseJson: [RegExp, (script: string) => string] = [
  /^cat .*release\.json/,
  (script) => JSON.stringify(rec(/releases\/([^/]+)\/release\.json/.exec(script)![1]!)),
];

function input(ex: FakeExecutor, healthy: (ex: FakeExecutor) => boolean = () => true) {
  return {
    svc: { ...svc, spec: { ...svc.spec, health: { ...svc.spec.health, timeoutSeconds: 0.05, intervalSeconds: 0.01 } } },
    host: ocean,
    executor: ex,
    lockWaitMs: 0,
    log: () => {},
    target: {
      address: '10.0.0.2',
      containerStates: async () => [],
      fetch: (async () => new Response('ok', { status: healthy(ex) ? 200 : 503 })) as typeof fetch,
    },
  };
}
const switches = (ex: FakeExecutor) => ex.steps().flatMap((s) => /releases\/([^ ]+) current\.tmp/.exec(s)?.[1] ?? []);
const writtenState = (ex: FakeExecutor) => JSON.parse(ex.calls.findLast((c) => c.script.includes('state.json.tmp'))!.input!) as DeployState;

describe('rollback target', () => {
  it('the newest healthy release older than what current points to', () => {
    expect(rollbackTarget(healthyDE, releases, 'releases/20261126T030000Z-e')).toBe('20261126T020000Z-d');
    // An interrupted deploy left current on F: back to E, the newest healthy one before it.
    expect(rollbackTarget(healthyDE, releases, 'releases/20261126T040000Z-f')).toBe('20261126T030000Z-e');
    // A second rollback (current now D) goes further back: nothing older.
    expect(rollbackTarget(healthyDE, releases, 'releases/20261126T020000Z-d')).toBeUndefined();
    // A healthy release the host no longer keeps is not a target.
    expect(rollbackTarget(healthyDE, releases.slice(1), 'releases/20261126T030000Z-e')).toBeUndefined();
  });
});

describe('rollback through the pipeline', () => {
  it('switches to the target under the lock, gates on health, records a rollback', async () => {
    const ex = new FakeExecutor('ocean', [lockRule, [/--state--/, stateOutput(healthyDE, 'releases/20261126T030000Z-e')], releaseJson]);
    const result = await rollbackService(input(ex));
    expect(result).toMatchObject({
      result: 'rolled back',
      release: '20261126T020000Z-d',
      message: 'rolling back from 20261126T030000Z-e to 20261126T020000Z-d (version 1.0.0)',
    });
    expect(switches(ex)).toEqual(['20261126T020000Z-d']);
    const state = writtenState(ex);
    expect(state.current.id).toBe('20261126T020000Z-d');
    expect(state.history[0]).toMatchObject({ id: '20261126T020000Z-d', action: 'rollback', result: 'deployed' });
    // Decided on a read, then again under the lock, before anything moves.
    const steps = ex.steps();
    const lockAt = steps.findIndex((s) => /^mkdir -p/.test(s));
    expect(steps.slice(0, lockAt + 2).map((s) => s.split(' ')[0])).toEqual(['echo', 'cat', 'mkdir', 'echo']);
    expect(lockAt).toBeLessThan(steps.findIndex((s) => s.includes('current.tmp')));
  });

  it('an unhealthy target: back to the last healthy release, recorded as a failed rollback, non-zero', async () => {
    const ex = new FakeExecutor('ocean', [lockRule, [/--state--/, stateOutput(healthyDE, 'releases/20261126T030000Z-e')], releaseJson]);
    const result = await rollbackService(input(ex, (e) => switches(e).at(-1) !== '20261126T020000Z-d'));
    expect(result.result).toBe('failed');
    expect(result.message).toMatch(/failed its health test[\s\S]*rolled back to 20261126T030000Z-e \(version 1\.0\.0\), which is healthy/);
    expect(switches(ex)).toEqual(['20261126T020000Z-d', '20261126T030000Z-e']);
    expect(writtenState(ex).history[0]).toMatchObject({ id: '20261126T020000Z-d', action: 'rollback', result: 'failed' });
    expect(writtenState(ex).current.id).toBe('20261126T030000Z-e');
  });

  it('nothing older: says so and changes nothing', async () => {
    const ex = new FakeExecutor('ocean', [lockRule, [/--state--/, stateOutput(healthyDE, 'releases/20261126T020000Z-d')]]);
    const result = await rollbackService(input(ex));
    expect(result.result).toBe('failed');
    expect(result.message).toBe(
      'app on ocean has no healthy release older than 20261126T020000Z-d to roll back to\n  fix: deploy a fixed version instead',
    );
    expect(switches(ex)).toEqual([]);
  });
});

describe('a failure before the switch', () => {
  it('staging on a full disk: "nothing changed", no rollback, no compose up, no health test', async () => {
    const ex = new FakeExecutor('ocean', [
      lockRule,
      [/--state--/, stateOutput(healthyDE, 'releases/20261126T030000Z-e')],
      [/\.partial/, { exitCode: 1, stderr: 'dd: error writing: No space left on device' }],
    ]);
    const deploy: DeployInput = { ...input(ex), images: {}, secrets: {}, gitSha: 'abc', systemd: false };
    const result = await deployService(deploy);
    expect(result.result).toBe('failed');
    expect(result.message).toMatch(/No space left on device[\s\S]*nothing changed: releases\/20261126T030000Z-e is still current/);
    expect(switches(ex)).toEqual([]);
    expect(ex.steps().some((s) => s.includes('docker compose up'))).toBe(false);
    expect(ex.steps().some((s) => s.includes('state.json.tmp'))).toBe(false);
  });
});

describe('status through the faked executor', () => {
  it('one round trip reads every service of the host; health is probed once per service', async () => {
    const ex = new FakeExecutor('ocean', [
      [/--service--/, `--service-- app 1 1\n${JSON.stringify(healthyDE)}\n--service-- gone 0 2\n${JSON.stringify(healthyDE)}\n`],
    ]);
    const rows = await hostStatus(ocean, ex, [input(ex).svc]);
    expect(ex.calls).toHaveLength(1);
    expect(rows).toEqual([
      {
        service: 'app',
        host: 'ocean',
        version: '1.0.0',
        release: '20261126T030000Z-e',
        gitSha: 'abc',
        deployedAt: at,
        containers: '1/1 running',
        health: expect.stringMatching(/^(healthy|unhealthy: .*)$/),
        verified: true,
      },
      {
        service: 'gone',
        host: 'ocean',
        version: '1.0.0',
        release: '20261126T030000Z-e',
        gitSha: 'abc',
        deployedAt: at,
        containers: '0/2 running',
        health: 'unknown (no service definition)',
        verified: true,
      },
    ]);
  });
});

describe('the history on the host', () => {
  it('reads the older vocabulary: "rollback" was a healthy rollback, "rolled back" a failed deploy', () => {
    const old = {
      current: healthyDE.current,
      history: [
        { id: 'b', version: '1', gitSha: 'x', at, result: 'rollback' },
        { id: 'c', version: '1', gitSha: 'x', at, result: 'rolled back', message: 'why' },
        { id: 'a', version: '1', gitSha: 'x', at, result: 'deployed' },
      ],
    };
    expect(parseState(JSON.stringify(old))!.history.map((e) => [e.id, e.action, e.result])).toEqual([
      ['b', 'rollback', 'deployed'],
      ['c', 'deploy', 'failed'],
      ['a', 'deploy', 'deployed'],
    ]);
    expect(parseState('{ torn')).toBeUndefined();
    expect(parseState('')).toBeUndefined();
  });
});

describe('a host whose Docker does not answer', () => {
  const base = { compose: undefined, systemd: false, gpus: [], nvidiaSmi: { installed: false }, freeDiskMiB: 1, docker: undefined };
  it('tells an installed but stopped daemon from a missing installation', () => {
    expect(
      dockerProblem('ocean', {
        ...base,
        dockerCli: {
          installed: true,
          error: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?',
        },
      }),
    ).toBe(
      'Docker is installed on ocean but its daemon does not answer (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?): start it (systemctl start docker) and check `journalctl -u docker` if it does not stay up',
    );
    expect(dockerProblem('ocean', { ...base, dockerCli: { installed: false } })).toMatch(/^Docker is not installed on ocean: install it/);
  });
});

describe('the intent record', () => {
  const deployOf = (ex: FakeExecutor, extra: Partial<DeployInput> = {}): DeployInput => ({
    ...input(ex),
    images: {},
    secrets: {},
    gitSha: 'def',
    systemd: false,
    ...extra,
  });
  const healthyE = (): FakeExecutor =>
    new FakeExecutor('ocean', [lockRule, [/--state--/, stateOutput(healthyDE, 'releases/20261126T030000Z-e')]]);

  it('is written before current moves and removed with the record of the result', async () => {
    const ex = healthyE();
    const result = await deployService(deployOf(ex));
    expect(result.result).toBe('deployed');
    const steps = ex.steps();
    const intentAt = steps.findIndex((s) => s.includes('intent.json.tmp'));
    const stateAt = steps.findIndex((s) => s.includes('state.json.tmp'));
    expect(intentAt).toBeGreaterThan(0);
    // One step: the intent, then the switch.
    expect(steps[intentAt]!.indexOf('intent.json.tmp')).toBeLessThan(steps[intentAt]!.indexOf('current.tmp'));
    const n = Buffer.byteLength(ex.calls.find((c) => c.script.includes('state.json.tmp'))!.input!);
    expect(steps[stateAt]).toBe(
      `(umask 077 && head -c ${n} > /opt/homelab/app/state.json.tmp) && [ "$(wc -c < /opt/homelab/app/state.json.tmp)" -eq ${n} ] && mv -f /opt/homelab/app/state.json.tmp /opt/homelab/app/state.json && rm -f /opt/homelab/app/intent.json && { chmod 600 /opt/homelab/app/releases/*/release.json 2>/dev/null || true; }`,
    );
    const intent = JSON.parse(ex.calls.find((c) => c.script.includes('intent.json.tmp'))!.input!);
    expect(intent).toMatchObject({ action: 'deploy', id: result.release, version: '1.0.0', gitSha: 'def', from: '20261126T030000Z-e' });
    expect(intent.by).toMatch(/@.* \(pid \d+\)$/);
  });

  it('a write of the intent or a switch that fails: "nothing changed", no rollback, no compose up', async () => {
    const ex = new FakeExecutor('ocean', [
      lockRule,
      [/--state--/, stateOutput(healthyDE, 'releases/20261126T030000Z-e')],
      [
        /intent\.json\.tmp/,
        (script) => ({
          exitCode: 86,
          stderr: `head: write error: No space left on device\n${/current was not switched to \S+: it is unchanged/.exec(script)![0]}`,
        }),
      ],
    ]);
    const result = await deployService(deployOf(ex));
    expect(result.result).toBe('failed');
    expect(result.message).toMatch(/No space left on device[\s\S]*nothing changed: releases\/20261126T030000Z-e is still current$/);
    expect(ex.steps().some((s) => s.includes('docker compose up'))).toBe(false);
    expect(ex.steps().some((s) => s.includes('state.json.tmp'))).toBe(false);
    expect(ex.steps().at(-1)).toMatch(/^if grep -q .*"token".* rm -rf/);
  });

  it('the last round trip finds the lock taken from it: an error, nothing recorded', async () => {
    const ex = new FakeExecutor('ocean', [
      lockRule,
      [/--state--/, stateOutput(healthyDE, 'releases/20261126T030000Z-e')],
      [/^if grep -q .*holder\.json 2>\/dev\/null; then$/, '--lock-lost--\n'],
    ]);
    const result = await deployService(deployOf(ex));
    expect(result.result).toBe('failed');
    expect(result.message).toMatch(/^ocean: the host lock in \/opt\/homelab is no longer held by this transition, so write \S+state\.json/);
  });

  it('a failed first release is stopped and its intent removed', async () => {
    const ex = new FakeExecutor('ocean', [lockRule, [/--state--/, '--none--\n']]);
    const result = await deployService({ ...deployOf(ex), ...input(ex, () => false) });
    expect(result.result).toBe('failed');
    expect(ex.steps().at(-2)).toMatch(
      /docker compose down .* ; rm -f \/opt\/homelab\/app\/current ; rm -f \/opt\/homelab\/app\/intent\.json$/,
    );
  });

  it('left behind by an interrupted deploy: said, status shows the release as unverified, rollback goes behind it', async () => {
    const f = '20261126T040000Z-f';
    const intent = { action: 'deploy', id: f, version: '1.1.0', gitSha: 'fff', from: '20261126T030000Z-e', at, by: 'ci@runner (pid 4242)' };
    const logs: string[] = [];
    const ex = new FakeExecutor('ocean', [
      lockRule,
      [/--state--/, stateOutput(healthyDE, `releases/${f}`).replace('--current--', `--intent--\n${JSON.stringify(intent)}\n--current--`)],
      releaseJson,
    ]);
    const rolled = await rollbackService({ ...input(ex), log: (m: string) => logs.push(m) });
    expect(logs[0]).toBe(
      `an earlier deploy to ${f} (version 1.1.0, by ci@runner (pid 4242) at ${at}) did not finish: ${f} is current but was never verified`,
    );
    expect(rolled).toMatchObject({ result: 'rolled back', release: '20261126T030000Z-e' });

    const st = new FakeExecutor('ocean', [
      [/--service--/, `--service-- app 1 1 releases/${f}\n${JSON.stringify(healthyDE)}\n--intent--\n${JSON.stringify(intent)}\n`],
    ]);
    const [row] = await hostStatus(ocean, st, [input(st).svc]);
    expect(row).toMatchObject({ release: f, version: '1.1.0', gitSha: 'fff', deployedAt: undefined, verified: false });
    expect(row!.health).toMatch(
      /^UNVERIFIED: an earlier deploy to 20261126T040000Z-f .* did not finish: .* was never verified; probe now: /,
    );
  });
});

describe('SIGINT and SIGTERM', () => {
  const released = (ex: FakeExecutor) => ex.steps().some((s) => /^if grep -q .*"token".* rm -rf/.test(s));

  it('before the switch: stops, nothing changed, the lock released', async () => {
    const stop = new AbortController();
    const ex = new FakeExecutor('ocean', [
      lockRule,
      [/--state--/, stateOutput(healthyDE, 'releases/20261126T030000Z-e')],
      [
        /\.partial/,
        () => {
          stop.abort('SIGINT');
          return '';
        },
      ],
    ]);
    const result = await deployService({ ...input(ex), images: {}, secrets: {}, gitSha: 'x', systemd: false, signal: stop.signal });
    expect(result.result).toBe('interrupted');
    expect(result.message).toBe('stopped by SIGINT before the switch: nothing changed (releases/20261126T030000Z-e is still current)');
    expect(switches(ex)).toEqual([]);
    expect(ex.steps().some((s) => s.includes('intent.json.tmp'))).toBe(false);
    expect(released(ex)).toBe(true);
  });

  it('after the switch: the transition runs to its recorded end, then the lock is released', async () => {
    const stop = new AbortController();
    const ex = new FakeExecutor('ocean', [
      lockRule,
      [/--state--/, stateOutput(healthyDE, 'releases/20261126T030000Z-e')],
      [
        /docker compose up/,
        () => {
          stop.abort('SIGTERM');
          return '';
        },
      ],
    ]);
    const result = await deployService({ ...input(ex), images: {}, secrets: {}, gitSha: 'x', systemd: false, signal: stop.signal });
    expect(result.result).toBe('deployed');
    expect(writtenState(ex).current.id).toBe(result.release);
    expect(released(ex)).toBe(true);
  });

  it('while waiting for another holder of the lock: stops waiting, nothing changed', async () => {
    const stop = new AbortController();
    const held = `HELD\nage=5\n${JSON.stringify({ token: 't', holder: 'ci@runner', hostname: 'elsewhere', pid: 1, command: 'deploy x', startedAt: at })}`;
    const ex = new FakeExecutor('ocean', [
      [
        /^mkdir -p \/opt\/homelab && if mkdir/,
        () => {
          stop.abort('SIGINT');
          return held;
        },
      ],
      [/--state--/, stateOutput(healthyDE, 'releases/20261126T030000Z-e')],
      releaseJson,
    ]);
    const result = await rollbackService({ ...input(ex), lockWaitMs: 60_000, signal: stop.signal });
    expect(result.result).toBe('interrupted');
    expect(result.message).toMatch(/^stopped by SIGINT before the switch: nothing changed \(ocean is locked by ci@runner/);
  });
});

describe('restart, stop and start through the pipeline', () => {
  const current = 'releases/20261126T030000Z-e';
  const host_ = (state = healthyDE, link = current, extra = '') =>
    new FakeExecutor('ocean', [lockRule, [/--state--/, stateOutput(state, link).replace('--current--', `${extra}--current--`)]]);

  it('restart: under the lock, compose restart, health gate, recorded with who', async () => {
    const ex = host_();
    const result = await operateService({ ...input(ex), by: 'ci-bot (GitHub Actions run 7)' }, 'restart');
    expect(result).toMatchObject({ result: 'restarted', release: '20261126T030000Z-e', version: '1.0.0' });
    expect(ex.steps()).toContain('cd /opt/homelab/app/current && docker compose restart 2>&1');
    expect(switches(ex)).toEqual([]);
    const state = writtenState(ex);
    expect(state.current.id).toBe('20261126T030000Z-e');
    expect(state.history[0]).toMatchObject({
      id: '20261126T030000Z-e',
      action: 'restart',
      result: 'deployed',
      by: 'ci-bot (GitHub Actions run 7)',
    });
  });

  it('stop records without a health gate; start brings up what is missing, gated; an unhealthy start is a recorded failure', async () => {
    const ex = host_();
    expect(
      (
        await operateService(
          input(ex, () => false),
          'stop',
        )
      ).result,
    ).toBe('stopped');
    expect(ex.steps()).toContain('cd /opt/homelab/app/current && docker compose stop 2>&1');
    expect(writtenState(ex).history[0]).toMatchObject({ action: 'stop', result: 'deployed' });

    const bad = host_();
    const started = await operateService(
      input(bad, () => false),
      'start',
    );
    expect(started.result).toBe('failed');
    expect(bad.steps()).toContain(composeOperationScript('/opt/homelab/app/current', 'start', '/opt/homelab/app/.compose-up.pid'));
    expect(writtenState(bad).history[0]).toMatchObject({ action: 'start', result: 'failed' });
    expect(writtenState(bad).history[0]!.message).toMatch(/failed its health test/);
  });

  it('refused on a release that never passed its health test, and on a service never deployed', async () => {
    const ex = host_(healthyDE, 'releases/20261126T040000Z-f');
    const r = await operateService(input(ex), 'restart');
    expect(r.result).toBe('failed');
    expect(r.message).toMatch(/the current release 20261126T040000Z-f never passed its health test, so restart is refused/);
    expect(ex.steps().some((s) => s.includes('docker compose restart'))).toBe(false);
    const none = new FakeExecutor('ocean', [lockRule, [/--state--/, '--none--\n']]);
    expect((await operateService(input(none), 'start')).message).toMatch(/app on ocean is not deployed, so there is nothing to start/);
  });
});

describe('rollback --to', () => {
  const kept = { ...healthyDE, history: [...healthyDE.history, { ...entry('20261126T010000Z-c'), version: '0.9.0' }] };
  const withC = [...releases, '20261126T010000Z-c'].sort();

  it('picks a kept healthy release by id, prefix or version; names the choices when none matches', async () => {
    expect(chosenRelease(kept, withC, 'releases/20261126T030000Z-e', '0.9.0')).toBe('20261126T010000Z-c');
    expect(chosenRelease(kept, withC, 'releases/20261126T030000Z-e', '20261126T02')).toBe('20261126T020000Z-d');
    // The failed F and the current E are never targets.
    expect(chosenRelease(kept, withC, 'releases/20261126T030000Z-e', '20261126T04')).toBeUndefined();
    expect(chosenRelease(kept, withC, 'releases/20261126T030000Z-e', '20261126T030000Z-e')).toBeUndefined();

    const ex = new FakeExecutor('ocean', [lockRule, [/--state--/, stateOutput(kept, 'releases/20261126T030000Z-e', withC)], releaseJson]);
    const r = await rollbackService({ ...input(ex), to: '0.9.0' });
    expect(r).toMatchObject({ result: 'rolled back', release: '20261126T010000Z-c' });
    const none = new FakeExecutor('ocean', [lockRule, [/--state--/, stateOutput(kept, 'releases/20261126T030000Z-e', withC)]]);
    const miss = await rollbackService({ ...input(none), to: '2.0.0' });
    expect(miss.result).toBe('failed');
    expect(miss.message).toBe(
      'app on ocean keeps no healthy release matching "2.0.0"\n  fix: one of (release id, a prefix of it, or its version): 20261126T020000Z-d (1.0.0), 20261126T010000Z-c (0.9.0); `homelab history app` lists them',
    );
  });
});
