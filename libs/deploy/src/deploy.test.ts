import { describe, expect, it } from 'vitest';
import { host, service, simpleCompose } from '@homelab/model/testing';
import { renderRelease } from '@homelab/render';
import { deployService, type DeployInput } from './apply.ts';
import { externalNetworks } from '@homelab/render';
import { parse } from 'yaml';
import { releasesToPrune } from './pipeline.ts';
import { releaseId, servicePaths } from './layout.ts';
import { maskSecrets } from '@homelab/model';
import { runMany, type ManyOptions } from './many.ts';
import { inventory } from '@homelab/model/testing';
import { planRelease } from './plan.ts';
import { legacyFingerprint, secretFingerprint, type DeployState, type ReleaseRecord } from './record.ts';
import { parseRemoteState, type RemoteState } from './remote-state.ts';
import { stateDigest } from './remote.ts';
import { FakeExecutor } from './testing.ts';
import { containerExecScript, ensureDirsScript, readStatesScript, rollingUpScript, stageScript } from './remote.ts';
import { probeTarget } from './probe-target.ts';
import { LocalExecutor, type Executor } from '@homelab/host';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ocean = host('ocean', { deployRoot: '/opt/homelab' });
const svc = service(
  'app',
  { secrets: ['DB_PASSWORD'] },
  {
    services: {
      app: {
        image: 'example/app:1.0.0',
        ports: ['8080:80'],
        environment: { DB_PASSWORD: '${DB_PASSWORD}' },
        healthcheck: { test: ['CMD', 'true'] },
      },
    },
  },
);
const secrets = { DB_PASSWORD: 's3cret-value' };
const release = renderRelease(svc, { host: ocean, images: {} }, secrets);
const now = new Date('2026-11-26T07:00:00Z');

function record(id: string, hash = release.hash, secretValue = secrets.DB_PASSWORD): ReleaseRecord {
  return {
    service: 'app',
    host: 'ocean',
    inventory: 'test',
    id,
    version: '1.0.0',
    gitSha: 'abc',
    hash,
    createdAt: now.toISOString(),
    secrets: { DB_PASSWORD: legacyFingerprint('app', secretValue) },
  };
}
function stateOf(id: string, hash?: string, secretValue?: string): DeployState {
  return {
    current: { ...record(id, hash, secretValue), deployedAt: now.toISOString() },
    history: [{ id, version: '1.0.0', gitSha: 'abc', at: now.toISOString(), action: 'deploy', result: 'deployed' }],
  };
}
function remote(state: DeployState | undefined, extra: Partial<RemoteState> = {}): RemoteState {
  return {
    exists: true,
    state,
    intent: undefined,
    fingerprintKey: undefined,
    current: state ? `releases/${state.current.id}` : undefined,
    currentCompose: state ? release.compose : undefined,
    releases: state ? [state.current.id] : [],
    running: state ? 1 : 0,
    ...extra,
  };
}
function stateOutput(r: RemoteState): string {
  return `--key--\n${r.fingerprintKey ?? ''}\n--state--\n${r.state ? JSON.stringify(r.state) : ''}\n--intent--\n${r.intent ? JSON.stringify(r.intent) : ''}\n--current--\n${r.current ?? ''}\n--compose--\n${r.currentCompose ?? ''}--releases--\n${r.releases.join('\n')}\n--running--\n${r.running}\n`;
}

describe('plan', () => {
  const desired = record(releaseId(release.hash, now));

  it('says new on a first deploy, with the whole compose as the diff', () => {
    const plan = planRelease(release, desired, remote(undefined, { exists: false }));
    expect(plan).toMatchObject({ action: 'new', reasons: ['first deploy'], previous: undefined });
    expect(plan.diff).toContain('+    image: example/app:1.0.0');
  });

  it('says unchanged when hash, current link and running containers agree', () => {
    expect(planRelease(release, desired, remote(stateOf('r1'))).action).toBe('unchanged');
  });

  it('names a changed secret without its value', () => {
    const plan = planRelease(release, desired, remote(stateOf('r1', 'old-hash', 'old-password')), { values: secrets, key: '' });
    expect(plan.action).toBe('changed');
    expect(plan.reasons).toEqual(['secrets changed']);
    expect(plan.diff).toBe('~ secret DB_PASSWORD (changed, value masked)\n');
    expect(plan.diff).not.toContain('s3cret');
  });

  it('compares keyed fingerprints with the host key, and older unkeyed ones by their own rule', () => {
    const key = 'ab'.repeat(32);
    const keyed = (value: string) => ({
      ...stateOf('r1', 'old-hash'),
      current: { ...stateOf('r1', 'old-hash').current, secrets: { DB_PASSWORD: secretFingerprint(key, 'app', 'DB_PASSWORD', value) } },
    });
    expect(secretFingerprint(key, 'app', 'DB_PASSWORD', 's3cret-value')).toMatch(/^h1:[0-9a-f]{20}$/);
    // Another key gives another fingerprint: without the host's key, a fingerprint says nothing about the value.
    expect(secretFingerprint('cd'.repeat(32), 'app', 'DB_PASSWORD', 's3cret-value')).not.toBe(
      secretFingerprint(key, 'app', 'DB_PASSWORD', 's3cret-value'),
    );
    expect(planRelease(release, desired, remote(keyed('s3cret-value')), { values: secrets, key }).reasons).toEqual([
      'rendered release changed',
    ]);
    expect(planRelease(release, desired, remote(keyed('other')), { values: secrets, key }).reasons).toEqual(['secrets changed']);
    // A record from before keyed fingerprints, same value: not reported as changed.
    expect(planRelease(release, desired, remote(stateOf('r1', 'old-hash')), { values: secrets, key }).reasons).toEqual([
      'rendered release changed',
    ]);
  });

  it('redeploys after an interrupted deploy or when nothing runs', () => {
    expect(planRelease(release, desired, remote(stateOf('r1'), { current: 'releases/r2' })).reasons[0]).toContain(
      'an earlier deploy was interrupted',
    );
    expect(planRelease(release, desired, remote(stateOf('r1'), { running: 0 })).reasons).toEqual([
      'no container of the service is running',
    ]);
  });

  it('parses what the host printed', () => {
    const r = remote(stateOf('r1'), { releases: ['r0', 'r1', 'r2.partial'], running: 2 });
    expect(parseRemoteState(stateOutput(r))).toEqual(r);
    expect(parseRemoteState('--none--\n')).toMatchObject({ exists: false, state: undefined, running: 0 });
  });
});

describe('apply with a faked executor', () => {
  // `healthy` says, from the calls made so far, whether the service answers now.
  const base = (executor: FakeExecutor, healthy: () => boolean): DeployInput => {
    return {
      svc: { ...svc, spec: { ...svc.spec, health: { ...svc.spec.health, timeoutSeconds: 0.05, intervalSeconds: 0.01 } } },
      host: ocean,
      images: {},
      secrets,
      executor,
      gitSha: 'abc',
      systemd: false,
      lockWaitMs: 0,
      log: () => {},
      now: () => now,
      target: {
        address: '10.0.0.2',
        containerStates: async () => [],
        fetch: (async () => new Response('ok', { status: healthy() ? 200 : 503 })) as typeof fetch,
      },
    };
  };

  const hostKey = 'ab'.repeat(32);

  it('a host without a fingerprint key gets one (over stdin, kept if one appeared), before the release is staged', async () => {
    const ex = new FakeExecutor('ocean', [
      [/^mkdir -p \/opt\/homelab && if mkdir/, 'ACQUIRED\n'],
      [/--state--/, stateOutput(remote(stateOf('r1', 'old')))],
    ]);
    const result = await deployService(base(ex, () => true));
    expect(result.result).toBe('deployed');
    const at = ex.calls.findIndex((c) => c.script.includes('.fingerprint-key.tmp'));
    expect(ex.calls[at]!.script).toBe(
      '[ -s /opt/homelab/.fingerprint-key ] || { (umask 077 && head -c 64 > /opt/homelab/.fingerprint-key.tmp) && [ "$(wc -c < /opt/homelab/.fingerprint-key.tmp)" -eq 64 ] && mv -f /opt/homelab/.fingerprint-key.tmp /opt/homelab/.fingerprint-key; }',
    );
    const key = ex.calls[at]!.input!;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    expect(at).toBeLessThan(ex.calls.findIndex((c) => c.script.includes('.partial')));
    const staged = ex.calls.find((c) => c.script.includes('.partial'))!.input!;
    expect(staged).toContain(secretFingerprint(key, 'app', 'DB_PASSWORD', 's3cret-value'));
    expect(JSON.stringify(result)).not.toContain(key);
  });

  it('a fingerprint key file that holds no key is refused before anything changes, not replaced by a new key each time', async () => {
    const out = stateOutput(remote(stateOf('r1', 'old'))).replace('--key--\n\n', '--key--\nNOT-A-KEY\n');
    const ex = new FakeExecutor('ocean', [[/--state--/, out]]);
    const result = await deployService(base(ex, () => true));
    expect(result.result).toBe('failed');
    expect(result.message).toMatch(/^ocean: \/opt\/homelab\/\.fingerprint-key is not a key \(64 lower-case hex digits\)/);
    expect(ex.steps()).toHaveLength(1);
  });

  it('unchanged: one read of the host, no lock, nothing changed', async () => {
    const ex = new FakeExecutor('ocean', [
      [/^mkdir -p \/opt\/homelab && if mkdir/, 'ACQUIRED\n'],
      [/--state--/, stateOutput(remote(stateOf('r1')))],
    ]);
    const result = await deployService(base(ex, () => true));
    expect(result.result).toBe('unchanged');
    expect(ex.steps().map((s) => s.split(' ').slice(0, 3).join(' '))).toEqual(["echo '--key--'; cat"]);
  });

  it('a healthy change: stage in one round trip (.env 0600, contents on stdin), swap, up, record state, prune', async () => {
    const ex = new FakeExecutor('ocean', [
      [/^mkdir -p \/opt\/homelab && if mkdir/, 'ACQUIRED\n'],
      [/--state--/, stateOutput(remote(stateOf('r1', 'old'), { fingerprintKey: hostKey }))],
    ]);
    const result = await deployService(base(ex, () => true));
    expect(result).toMatchObject({ result: 'deployed', release: `20261126T070000Z-${release.hash.slice(0, 8)}` });
    // The host has its fingerprint key: it is used, never written again.
    expect(ex.steps().some((s) => s.includes('.fingerprint-key.tmp'))).toBe(false);
    const p = servicePaths('/opt/homelab', 'app');
    const dir = `${p.release(result.release!)}.partial`;
    const stage = ex.steps().find((step) => step.includes(`${dir}/.env`))!;
    expect(stage).toContain(
      `(umask 077 && dd of=${dir}/.env bs=${Buffer.byteLength(release.env)} count=1 iflag=fullblock status=none) && chmod 0600 ${dir}/.env`,
    );
    expect(stage).toMatch(/&& mv -T \S+\.partial \S+$/);
    // Staged in the round trip that takes the lock: on stdin, the holder (exactly the bytes the lock's
    // script reads), then the files.
    const call = ex.calls.find((c) => c.script.includes(stage))!;
    const files = `${release.compose + release.env + release.unit + JSON.stringify({ ...record(result.release!), gitSha: 'abc', secrets: { DB_PASSWORD: secretFingerprint(hostKey, 'app', 'DB_PASSWORD', 's3cret-value') } }, null, 2)}\n`;
    expect(call.input!.endsWith(files)).toBe(true);
    const holder = call.input!.slice(0, call.input!.length - files.length);
    expect(call.script).toContain(`head -c ${Buffer.byteLength(holder)} 2>&1 > /opt/homelab/.homelab.lock/holder.json`);
    expect(JSON.parse(holder)).toMatchObject({ command: 'deploy app' });
    expect(ex.calls.every((c) => !c.script.includes('s3cret'))).toBe(true);
    const order = ex.steps().filter((s) => /mv -T|docker compose up|state\.json\.tmp|^cd \/opt\/homelab\/app\/releases && rm/.test(s));
    expect(order).toHaveLength(4);
    expect(order[0]).toContain('mv -T');
    expect(order[1]).toContain('current.tmp');
    expect(order[2]).toContain('docker compose up -d --remove-orphans');
    expect(order[3]).toContain('state.json.tmp');
    // Four round trips: the lock-free state read; the lock, with the state read again under it and the
    // staging if it is still what the decision was made on; the intent, the switch and compose up; the
    // record, with the lock's release.
    const trips = [
      ['--state--'],
      [
        'mkdir /opt/homelab/.homelab.lock',
        'echo ACQUIRED; (',
        '--state--',
        stateDigest(stateOutput(remote(stateOf('r1', 'old'), { fingerprintKey: hostKey }))),
        'mv -T',
      ],
      ['intent.json.tmp', 'current.tmp', 'docker compose up -d'],
      ['state.json.tmp', 'rm -rf /opt/homelab/.homelab.lock'],
    ];
    expect(ex.calls).toHaveLength(trips.length);
    for (const [i, parts] of trips.entries()) for (const part of parts) expect(ex.calls[i]!.script, `round trip ${i + 1}`).toContain(part);
    expect(ex.calls[0]!.script).not.toContain('homelab.lock');
  });

  it('staged under the lock only when the host holds what the decision was made on; otherwise decided again and staged after', async () => {
    const before = stateOutput(remote(stateOf('r1', 'old'), { fingerprintKey: hostKey }));
    // Another deploy switched to r2 between the lock-free read and the lock.
    const after = stateOutput(remote(stateOf('r2', 'newer'), { fingerprintKey: hostKey, releases: ['r1', 'r2'] }));
    let reads = 0;
    const ex = new FakeExecutor('ocean', [
      [/^mkdir -p \/opt\/homelab && if mkdir/, 'ACQUIRED\n'],
      [/--state--/, () => (reads++ === 0 ? before : after)],
    ]);
    const result = await deployService(base(ex, () => true));
    expect(result.result).toBe('deployed');
    const steps = ex.steps();
    const staged = steps.filter((step) => step.includes('.partial'));
    expect(staged).toHaveLength(1);
    // The lock's round trip staged nothing: the staging is its own round trip, after the second read.
    const lockCall = ex.calls.findIndex((c) => c.script.includes('.homelab.lock/holder.json'));
    expect(ex.calls[lockCall + 1]!.script).toBe(staged[0]);
    // Decided on what the host held under the lock: the switch goes from r2.
    const intent = ex.calls.find((c) => c.script.includes('intent.json.tmp'))!.input!;
    expect(JSON.parse(intent)).toMatchObject({ from: 'r2' });
  });

  it('staging that fails under the lock: "nothing changed", the lock released, no switch', async () => {
    const ex = new FakeExecutor('ocean', [
      [/^mkdir -p \/opt\/homelab && if mkdir/, 'ACQUIRED\n'],
      [/--state--/, stateOutput(remote(stateOf('r1', 'old'), { fingerprintKey: hostKey }))],
      [/\.partial/, { exitCode: 1, stderr: 'dd: error writing: No space left on device' }],
    ]);
    const result = await deployService(base(ex, () => true));
    expect(result.result).toBe('failed');
    expect(result.message).toMatch(
      /^ocean: `take the host lock, stage release \S+ \(stage the files\)` failed with exit code 1: dd: error writing: No space left on device\n {2}nothing changed: releases\/r1 is still current$/,
    );
    expect(ex.steps().some((step) => /current\.tmp|docker compose up|state\.json\.tmp/.test(step))).toBe(false);
    expect(ex.calls.at(-1)!.script).toMatch(
      /^if grep -q .*"token":.* \/opt\/homelab\/\.homelab\.lock\/holder\.json 2>\/dev\/null; then rm -rf/,
    );
  });

  it('one round trip stages a release with networks and data directories (networks first, directories last); no empty round trips', async () => {
    const joined = service(
      'app',
      { secrets: ['DB_PASSWORD'] },
      {
        services: {
          app: {
            image: 'example/app:1.0.0',
            environment: { DB_PASSWORD: '${DB_PASSWORD}' },
            volumes: ['/data01/app:/data'],
            networks: ['web_proxy'],
            healthcheck: { test: ['CMD', 'true'] },
          },
        },
        networks: { web_proxy: { external: true } },
      },
    );
    const rendered = renderRelease(joined, { host: ocean, images: {} }, secrets);
    expect(rendered.networks).toEqual(['web_proxy']);
    expect(rendered.dirs.length).toBeGreaterThan(0);
    const ex = new FakeExecutor('ocean', [
      [/^mkdir -p \/opt\/homelab && if mkdir/, 'ACQUIRED\n'],
      [/--state--/, stateOutput(remote(stateOf('r1', 'old'), { fingerprintKey: hostKey }))],
    ]);
    const result = await deployService({ ...base(ex, () => true), svc: joined });
    expect(result.result).toBe('deployed');
    const staging = ex.steps().filter((s) => /network create|\.partial|chown/.test(s));
    expect(staging).toHaveLength(1);
    const [script] = staging;
    expect(script!.indexOf('docker network create web_proxy')).toBeLessThan(script!.indexOf('.partial'));
    expect(script!.lastIndexOf('mv -T')).toBeLessThan(script!.indexOf(ensureDirsScript(rendered.dirs, ocean.uid, ocean.gid)));
    // Nothing to prune (one old release kept for rollback) and nothing else empty: no `true` round trip.
    expect(ex.steps().filter((s) => s.trim() === 'true')).toEqual([]);
  });

  it('a rollout brings replicas up one at a time and reports the busy ones the host replaces later', async () => {
    const ex = new FakeExecutor('ocean', [
      [/^mkdir -p \/opt\/homelab && if mkdir/, 'ACQUIRED\n'],
      [/--state--/, stateOutput(remote(stateOf('r1', 'old')))],
      [/--deferred--/, '--deferred-- 0123456789abcdef:app\n'],
    ]);
    const rolled = {
      ...svc,
      spec: { ...svc.spec, rollout: { services: ['app'], busy: ['sh', '-c', 'test -e /busy'], maxWaitMinutes: 5 } },
    };
    const result = await deployService({
      ...base(ex, () => true),
      svc: { ...rolled, spec: { ...rolled.spec, health: { ...rolled.spec.health, timeoutSeconds: 0.05, intervalSeconds: 0.01 } } },
    });
    expect(result.result).toBe('deployed');
    expect(result.message).toContain(
      '1 busy replica (app 0123456789ab) keep the previous release until idle, then are replaced (log: /opt/homelab/app/current/.rollout.log)',
    );
    const up = ex.steps().find((step) => step.includes('--no-recreate'))!;
    expect(up).toBe(
      rollingUpScript('/opt/homelab/app/current', '/opt/homelab/app/.compose-up.pid', 'app', ['app'], ['sh', '-c', 'test -e /busy'], 300),
    );
    expect(ex.calls.some((c) => c.script.includes('docker compose up -d --remove-orphans >'))).toBe(false);
  });

  it('the rollout script: others up as usual, replicas whose config differs replaced one by one, busy ones left to a waiter', () => {
    expect(
      rollingUpScript(
        '/opt/homelab/r/current',
        '/opt/homelab/r/.compose-up.pid',
        'r',
        ['runner', 'lab-runner'],
        ['sh', '-c', "grep -qs '[R]unner' /proc/[0-9]*/cmdline"],
        60,
      ),
    ).toMatchSnapshot();
  });

  it('installs and enables the systemd unit only where the host runs systemd', async () => {
    for (const systemd of [true, false]) {
      const ex = new FakeExecutor('ocean', [
        [/^mkdir -p \/opt\/homelab && if mkdir/, 'ACQUIRED\n'],
        [/--state--/, '--none--\n'],
      ]);
      expect((await deployService({ ...base(ex, () => true), systemd })).result).toBe('deployed');
      const unit = ex.steps().find((step) => step.includes('systemctl'));
      if (!systemd) expect(unit).toBeUndefined();
      else {
        // In the round trip that records the release (after the state, before the lock's release),
        // its bytes on stdin after the state's.
        const call = ex.calls.find((c) => c.script.includes('systemctl'))!;
        const text = call.input!.slice(call.input!.indexOf('\n}\n') + 3);
        expect(text).toContain('WorkingDirectory=/opt/homelab/app/current');
        const n = Buffer.byteLength(text);
        expect(unit).toBe(
          `head -c ${n} > /etc/systemd/system/homelab-app.service.tmp && [ "$(wc -c < /etc/systemd/system/homelab-app.service.tmp)" -eq ${n} ] && mv -f /etc/systemd/system/homelab-app.service.tmp /etc/systemd/system/homelab-app.service && systemctl daemon-reload && systemctl enable homelab-app.service >/dev/null 2>&1`,
        );
        expect(call.script).toMatch(/state\.json\.tmp[\s\S]*systemctl[\s\S]*homelab\.lock/);
      }
    }
  });

  it('an unhealthy change rolls back to the last healthy release and says why', async () => {
    const ex = new FakeExecutor('ocean', [
      [/^mkdir -p \/opt\/homelab && if mkdir/, 'ACQUIRED\n'],
      [/--state--/, stateOutput(remote(stateOf('r1', 'old')))],
    ]);
    const result = await deployService(base(ex, () => ex.calls.some((c) => c.script.includes('releases/r1 current.tmp'))));
    expect(result.result).toBe('rolled back');
    expect(result.message).toMatch(/failed its health test[\s\S]*status 503[\s\S]*rolled back to r1 \(version 1\.0\.0\), which is healthy/);
    expect(
      ex
        .steps()
        .filter((s) => s.includes('current.tmp'))
        .map((s) => s.match(/releases\/([^ ]+) current\.tmp/)?.[1]),
    ).toEqual([expect.stringMatching(/^20261126T070000Z-/), 'r1']);
    const state = JSON.parse(ex.calls.findLast((c) => c.script.includes('state.json.tmp'))!.input!) as DeployState;
    expect(state.current.id).toBe('r1');
    expect(state.history[0]).toMatchObject({ action: 'deploy', result: 'failed' });
  });

  it('a failing first deploy stops the release and removes current', async () => {
    const ex = new FakeExecutor('ocean', [
      [/^mkdir -p \/opt\/homelab && if mkdir/, 'ACQUIRED\n'],
      [/--state--/, '--none--\n'],
      [/docker compose up/, { exitCode: 1, stderr: 'no such image' }],
    ]);
    const result = await deployService(base(ex, () => true));
    expect(result.result).toBe('failed');
    expect(result.message).toContain('no such image');
    expect(ex.steps().some((s) => s.includes('docker compose down') && s.includes('rm -f /opt/homelab/app/current'))).toBe(true);
  });

  it('masks secret values in messages', async () => {
    const ex = new FakeExecutor('ocean', [
      [/^mkdir -p \/opt\/homelab && if mkdir/, 'ACQUIRED\n'],
      [/--state--/, '--none--\n'],
      [/docker compose up/, { exitCode: 1, stderr: 'bad value s3cret-value' }],
    ]);
    const result = await deployService(base(ex, () => true));
    expect(result.message).toContain('bad value ********');
    expect(result.message).not.toContain('s3cret');
  });
});

describe("GPU services against the host's real GPUs", () => {
  const gpuHost = host('ocean', { deployRoot: '/opt/homelab', gpu: { model: 'RTX 3090', vramMiB: 24576, count: 1 } });
  const llama = service('llama-cpp', { gpu: { vramMiB: 16026 } });
  const web = service('web');
  const facts = (gpus: string) => `docker_cli=yes\ndocker=20.10.24\ncompose=2.26.1\nsystemd=no\n${gpus}disk=1048576\n`;

  async function planBoth(gpus: string) {
    const ex = new FakeExecutor('ocean', [
      [/echo docker_cli=yes/, facts(gpus)],
      [/--state--/, '--none--\n'],
    ]);
    const results = await runOn(ex, 'plan', [llama, web]);
    return { results, ex };
  }

  const options = (ex: Executor, action: 'plan' | 'deploy', services: ReturnType<typeof service>[]): ManyOptions => ({
    action,
    services,
    inventory: inventory([gpuHost]),
    executorFor: () => ex,
    secretsFor: async () => ({}),
    gitSha: 'abc',
    lockWaitMs: 0,
    log: () => {},
  });
  const runOn = (ex: FakeExecutor, action: 'plan' | 'deploy', services: ReturnType<typeof service>[]) =>
    runMany(options(ex, action, services));

  it('a host whose driver fails: the GPU service is refused before anything on the host changes; the others go on', async () => {
    const { results, ex } = await planBoth(`--gpus--\nFailed to initialize NVML: Driver/library version mismatch\n--end-- 18\n`);
    expect(results.map((r) => [r.service, r.result])).toEqual([
      ['llama-cpp', 'failed'],
      ['web', 'planned'],
    ]);
    expect(results[0]!.message).toMatch(
      /^llama-cpp on ocean: needs an NVIDIA GPU, but nvidia-smi exited with code 18: Failed to initialize NVML: Driver\/library version mismatch/,
    );
    // Its state was read with the facts, in the first call; no other call names it.
    expect(ex.calls.slice(1).filter((c) => c.script.includes('llama-cpp'))).toEqual([]);
  });

  it('the facts and the state of every service of a host are read in one round trip; a deploy that changes nothing makes no other call', async () => {
    const a = service('a', {}, simpleCompose('a', 8081));
    const b = service('b', {}, simpleCompose('b', 8082));
    const deployed = (svc: typeof a) => {
      const release = renderRelease(svc, { host: gpuHost, images: {} }, {});
      const id = `20261126T070000Z-${release.hash.slice(0, 8)}`;
      const state: DeployState = {
        current: { ...record(id, release.hash), service: svc.name, deployedAt: now.toISOString(), secrets: {} },
        history: [],
      };
      return stateOutput(remote(state, { currentCompose: release.compose, releases: [id] }));
    };
    const ex = new FakeExecutor('ocean', [
      [/echo docker_cli=yes/, `${facts('--gpus--\n--end-- 127\n')}--end-of-facts--\n--of-- a\n${deployed(a)}--of-- b\n${deployed(b)}`],
    ]);
    const results = await runOn(ex, 'deploy', [a, b]);
    expect(results.map((r) => [r.service, r.result])).toEqual([
      ['a', 'unchanged'],
      ['b', 'unchanged'],
    ]);
    expect(ex.calls).toHaveLength(1);
    expect(ex.calls[0]!.script).toContain(
      `--end-of-facts--'\n${readStatesScript([
        { paths: servicePaths('/opt/homelab', 'a'), project: 'a' },
        { paths: servicePaths('/opt/homelab', 'b'), project: 'b' },
      ])}`,
    );
  });

  it("each host's first round trip goes out while the local work runs; no lock before it succeeded", async () => {
    const holder = { token: 't', holder: 'a@b', hostname: 'elsewhere', pid: 1, command: 'deploy web', startedAt: '2026-11-26T07:00:00Z' };
    const ex = new FakeExecutor('ocean', [
      [/echo docker_cli=yes/, `${facts('--gpus--\n--end-- 127\n')}--end-of-facts--\n--of-- web\n--none--\n`],
      // The lock is held by another deploy: the deploy fails there, before anything changes.
      [/^mkdir -p \/opt\/homelab && if mkdir/, `HELD\nage=1\n${JSON.stringify(holder)}`],
    ]);
    let done!: (v: { gitSha: string; by: string }) => void;
    const ready = new Promise<{ gitSha: string; by: string }>((resolve) => {
      done = resolve;
    });
    let settled = false;
    const running = runMany({ ...options(ex, 'deploy', [web]), ready }).finally(() => {
      settled = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    expect(ex.calls).toHaveLength(1);
    expect(ex.calls[0]!.script).toContain('echo docker_cli=yes');
    done({ gitSha: 'def', by: 'someone' });
    const [result] = await running;
    expect(result).toMatchObject({ result: 'failed', message: expect.stringContaining('ocean is locked by a@b') });
    expect(ex.calls).toHaveLength(2);
    expect(ex.calls[1]!.script).toMatch(/^mkdir -p \/opt\/homelab && if mkdir/);
  });

  it('local work that fails (validation): its error, only the read-only first round trip was made, connections closed', async () => {
    const ex = new FakeExecutor('ocean', [[/echo docker_cli=yes/, `${facts('')}--end-of-facts--\n--of-- web\n--none--\n`]]);
    let closed = 0;
    ex.close = async () => void closed++;
    await expect(runMany({ ...options(ex, 'deploy', [web]), ready: Promise.reject(new Error('web: compose.yaml: bad')) })).rejects.toThrow(
      'web: compose.yaml: bad',
    );
    expect(ex.calls).toHaveLength(1);
    expect(closed).toBe(1);
    // A host that does not answer (yet) does not delay the local failure; its connection is closed.
    const silent = {
      ...ex,
      host: 'ocean',
      sh: () => new Promise<never>(() => {}),
      run: () => new Promise<never>(() => {}),
      close: ex.close,
    };
    const started = Date.now();
    await expect(
      runMany({ ...options(silent, 'deploy', [web]), ready: new Promise((_, no) => setTimeout(() => no(new Error('bad secret')), 50)) }),
    ).rejects.toThrow('bad secret');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(closed).toBe(2);
    // A host the inventory does not hold (or an executor refused): the local failure is still the one reported.
    await expect(
      runMany({
        ...options(ex, 'deploy', [service('lost', { host: 'nowhere' })]),
        ready: Promise.reject(new Error('lost: compose.yaml: bad')),
      }),
    ).rejects.toThrow('lost: compose.yaml: bad');
    await expect(
      runMany({
        ...options(ex, 'deploy', [web]),
        executorFor: () => {
          throw new Error('refusing to connect to ocean');
        },
        ready: Promise.reject(new Error('web: compose.yaml: bad')),
      }),
    ).rejects.toThrow('web: compose.yaml: bad');
  });

  it('a host with the GPU the inventory declares: the GPU service is planned', async () => {
    const { results } = await planBoth(
      '--gpus--\n0, GPU-5f6e7d8c-1111-2222-3333-444455556666, NVIDIA GeForce RTX 3090, 24576, 0, 550.120\n--end-- 0\n',
    );
    expect(results.map((r) => r.result)).toEqual(['planned', 'planned']);
  });
});

describe('remote scripts', () => {
  it('stages nested files from one stdin stream and finishes with a rename', () => {
    const script = stageScript(servicePaths('/opt/homelab', 'app'), 'r1', [
      { name: 'compose.yaml', bytes: 10, mode: '0644' },
      { name: '.env', bytes: 0, mode: '0600' },
      { name: 'files/conf/app.yml', bytes: 5, mode: '0644' },
    ]);
    expect(script).toBe(
      'rm -rf /opt/homelab/app/releases/r1.partial && mkdir -p /opt/homelab/app/releases/r1.partial /opt/homelab/app/releases/r1.partial/files/conf' +
        ' && (umask 022 && dd of=/opt/homelab/app/releases/r1.partial/compose.yaml bs=10 count=1 iflag=fullblock status=none) && chmod 0644 /opt/homelab/app/releases/r1.partial/compose.yaml' +
        ' && (umask 077 && : > /opt/homelab/app/releases/r1.partial/.env) && chmod 0600 /opt/homelab/app/releases/r1.partial/.env' +
        ' && (umask 022 && dd of=/opt/homelab/app/releases/r1.partial/files/conf/app.yml bs=5 count=1 iflag=fullblock status=none) && chmod 0644 /opt/homelab/app/releases/r1.partial/files/conf/app.yml' +
        ' && rm -rf /opt/homelab/app/releases/r1 && mv -T /opt/homelab/app/releases/r1.partial /opt/homelab/app/releases/r1',
    );
  });

  it('stages a secret file 0400 under umask 077, then gives it to the uid that reads it', () => {
    const script = stageScript(servicePaths('/opt/homelab', 'app'), 'r1', [
      { name: 'secrets/API_KEY', bytes: 7, mode: '0400', owner: 65534 },
    ]);
    expect(script).toBe(
      'rm -rf /opt/homelab/app/releases/r1.partial && mkdir -p /opt/homelab/app/releases/r1.partial /opt/homelab/app/releases/r1.partial/secrets' +
        ' && (umask 077 && dd of=/opt/homelab/app/releases/r1.partial/secrets/API_KEY bs=7 count=1 iflag=fullblock status=none) && chmod 0400 /opt/homelab/app/releases/r1.partial/secrets/API_KEY && chown 65534 /opt/homelab/app/releases/r1.partial/secrets/API_KEY' +
        ' && rm -rf /opt/homelab/app/releases/r1 && mv -T /opt/homelab/app/releases/r1.partial /opt/homelab/app/releases/r1',
    );
  });

  it('creates only missing data directories, owned by the service user', () => {
    expect(ensureDirsScript(['/data01/a b'], 1000, 1001)).toBe(
      `for d in '/data01/a b'; do [ -e "$d" ] || { mkdir -p "$d" && chown 1000:1001 "$d"; } || exit 1; done`,
    );
  });
});

describe('exec probes through the host executor', () => {
  // A stand-in `docker` on PATH: `ps` finds the container only for project "cloud", `exec` runs the command here.
  const bin = mkdtempSync(join(tmpdir(), 'homelab-docker-'));
  writeFileSync(
    join(bin, 'docker'),
    '#!/bin/sh\nif [ "$1" = ps ]; then case "$*" in *project=cloud*) echo c0ffee;; esac; exit 0; fi\nif [ "$1" = exec ]; then shift 2; exec "$@"; fi\nexit 2\n',
  );
  chmodSync(join(bin, 'docker'), 0o755);
  const local = new LocalExecutor({ env: { PATH: `${bin}:${process.env.PATH}` } });

  it('quotes the argv, and reads back the output and the exit code', async () => {
    const target = probeTarget(ocean, local, 'cloud');
    await expect(target.containerExec!('cache', ['sh', '-c', 'echo "a  b" \'$HOME\'; echo oops >&2; exit 4'])).resolves.toEqual({
      exitCode: 4,
      output: 'a  b $HOME\noops\n',
    });
    await expect(target.containerExec!('cache', ['printf', 'PONG'])).resolves.toEqual({ exitCode: 0, output: 'PONG' });
  });

  it('no running container is "not ready", not an error of the tool', async () => {
    await expect(probeTarget(ocean, local, 'other').containerExec!('cache', ['true'])).rejects.toThrow('exec cache: no running container');
    expect(containerExecScript('cloud', 'cache', ['redis-cli', 'ping'])).toContain(
      `docker exec "$id" redis-cli ping 2>&1; rc=$?; printf '\\n--exit-- %s\\n' "$rc"`,
    );
  });
});

describe('helpers', () => {
  it('finds the external networks a rendered compose file uses', () => {
    expect(
      externalNetworks(
        parse(
          'services: {}\nnetworks:\n  web_proxy:\n    external: true\n    name: web_proxy\n  default: {}\n  other:\n    external: true\n',
        ),
      ),
    ).toEqual(['other', 'web_proxy']);
    expect(externalNetworks(parse('services: {}\n'))).toEqual([]);
  });

  it('keeps the newest five releases and the ones in use', () => {
    const all = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8.partial'];
    expect(releasesToPrune(all, ['r7', 'r1'])).toEqual(['r2', 'r8.partial']);
  });

  it('masks the longest secret first', () => {
    expect(maskSecrets('a=abcdef b=abc', ['abc', 'abcdef'])).toBe('a=******** b=********');
  });
});
