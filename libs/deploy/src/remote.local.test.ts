// The scripts that guard `compose up` against an abandoned one, run for real in a local shell (the same
// text the SSH executor runs on a host). A stand-in process whose command line says "docker compose up"
// plays the compose run a cut-off deploy left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalExecutor } from '@homelab/host';
import { servicePaths } from './layout.ts';
import { joinSteps } from './pipeline.ts';
import { parseRemoteState } from './remote-state.ts';
import {
  awaitAbandonedUpScript,
  composeUpScript,
  ensureNetworksScript,
  ifUnchangedScript,
  intentAndSwapScript,
  notSwitched,
  notSwitchedLine,
  readStateScript,
  recordedBeforeScript,
  readStatesScript,
  splitStates,
  stateDigest,
  swapScript,
  writeIntentScript,
  writeStateScript,
} from './remote.ts';

const local = new LocalExecutor({ env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
const dir = mkdtempSync(join(tmpdir(), 'homelab-up-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

// A process named like compose (argv[0]) that runs for `seconds`, leading its own process group (as
// setsid makes the real one).
function abandoned(seconds: number, argv0 = 'docker compose up -d --remove-orphans', group = true): ChildProcess {
  const child = spawn('sleep', [String(seconds)], { argv0, stdio: 'ignore', detached: group });
  children.push(child);
  return child;
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};
const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode ? resolve() : child.once('exit', () => resolve())));

describe('an abandoned compose up', () => {
  it('is waited for until it ends, then the pid file goes', async () => {
    const pf = join(dir, 'a.pid');
    const child = abandoned(2);
    writeFileSync(pf, `${child.pid}\n`);
    const out = await local.run(['sh', '-c', awaitAbandonedUpScript(pf, 30)]);
    expect(out.stderr).toBe(`an abandoned docker compose up (pid ${child.pid}) is still running: waiting for it (up to 30s)\n`);
    await exited(child);
    expect(child.exitCode).toBe(0); // it ended by itself, not by a signal
    expect(existsSync(pf)).toBe(false);
  });

  it('is stopped when it outlives the wait', async () => {
    const pf = join(dir, 'b.pid');
    const child = abandoned(60);
    writeFileSync(pf, `${child.pid}\n`);
    const out = await local.run(['sh', '-c', awaitAbandonedUpScript(pf, 1)]);
    expect(out.stderr).toMatch(/still running: waiting for it \(up to 1s\)\nstopping it\n$/);
    await exited(child);
    expect(child.signalCode).toBe('SIGTERM');
  });

  it('stopping it stops what it started too (its process group), not only the recorded process', async () => {
    const pf = join(dir, 'g.pid');
    const childFile = join(dir, 'g.child');
    const leader = spawn('sh', ['-c', `sleep 60 & echo $! > ${childFile}; wait`], {
      argv0: 'docker compose up -d',
      stdio: 'ignore',
      detached: true,
    });
    children.push(leader);
    writeFileSync(pf, `${leader.pid}\n`);
    await new Promise((r) => setTimeout(r, 200));
    const child = Number(readFileSync(childFile, 'utf8'));
    expect(alive(child)).toBe(true);
    const out = await local.run(['sh', '-c', awaitAbandonedUpScript(pf, 1)]);
    expect(out.stderr).toContain('stopping it');
    await exited(leader);
    expect(alive(child)).toBe(false);
  });

  it('a pid file naming another program (pid reused) or nothing running is not waited for', async () => {
    const pf = join(dir, 'c.pid');
    const other = abandoned(60, 'sleep', false);
    writeFileSync(pf, `${other.pid}\n`);
    const out = await local.run(['sh', '-c', awaitAbandonedUpScript(pf, 30)]);
    expect(out.stderr).toBe('');
    expect(alive(other.pid!)).toBe(true);
    expect(existsSync(pf)).toBe(false);
    writeFileSync(pf, '999999999\n');
    expect((await local.run(['sh', '-c', awaitAbandonedUpScript(pf, 30)])).stderr).toBe('');
  });

  it('compose up records its pid while it runs, echoes its output and keeps its exit code', async () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    // A stand-in `docker` that shows the pid file holds its own pid, then fails like compose does.
    writeFileSync(join(bin, 'docker'), '#!/bin/sh\necho "pid file: $(cat "$PF") me: $$"\necho "no such image" >&2\nexit 17\n', {
      mode: 0o755,
    });
    const pf = join(dir, 'up.pid');
    const env = { PATH: `${bin}:${process.env.PATH}`, PF: pf };
    const out = await new LocalExecutor({ env }).run(['sh', '-c', composeUpScript(dir, pf)], { allowFailure: true });
    expect(out.exitCode).toBe(17);
    const [, recorded, me] = /pid file: (\d+) me: (\d+)/.exec(out.stderr)!;
    expect(recorded).toBe(me);
    expect(out.stderr).toContain('no such image');
    expect(existsSync(pf)).toBe(false);
  });

  it('a release with a registry login pulls the images it lacks with its own Docker config, before compose up', async () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    const rel = mkdtempSync(join(dir, 'rel-'));
    // A stand-in `docker`: one image, missing; logs each call with the DOCKER_CONFIG it saw.
    writeFileSync(
      join(bin, 'docker'),
      '#!/bin/sh\necho "$* DOCKER_CONFIG=${DOCKER_CONFIG:-}" >> "$LOG"\ncase "$1 $2" in\n"compose config") echo me/tina:1.0.0;;\n"image inspect") exit 1;;\nesac\nexit 0\n',
      { mode: 0o755 },
    );
    const log = join(dir, 'docker.log');
    const env = { PATH: `${bin}:${process.env.PATH}`, LOG: log };
    const pf = join(dir, 'pull.pid');
    await new LocalExecutor({ env }).run(['sh', '-c', composeUpScript(rel, pf)]);
    expect(readFileSync(log, 'utf8')).toBe('compose up -d --remove-orphans DOCKER_CONFIG=\n');
    rmSync(log);
    mkdirSync(join(rel, 'secrets/docker'), { recursive: true });
    writeFileSync(join(rel, 'secrets/docker/config.json'), '{}');
    await new LocalExecutor({ env }).run(['sh', '-c', composeUpScript(rel, pf)]);
    expect(readFileSync(log, 'utf8').split('\n')).toEqual([
      'compose config --images DOCKER_CONFIG=',
      'image inspect me/tina:1.0.0 DOCKER_CONFIG=',
      `pull -q me/tina:1.0.0 DOCKER_CONFIG=${rel}/secrets/docker`,
      'compose up -d --remove-orphans DOCKER_CONFIG=',
      '',
    ]);
  });

  it('the states of several services in one script: a service never deployed does not end the others', async () => {
    const root = mkdtempSync(join(dir, 'root-'));
    const paths = (name: string) => servicePaths(root, name);
    mkdirSync(`${root}/web/releases/r1`, { recursive: true });
    writeFileSync(`${root}/web/state.json`, '{"current":{"id":"r1","version":"1.0.0"},"history":[]}\n');
    symlinkSync('releases/r1', `${root}/web/current`);
    const script = readStatesScript([
      { paths: paths('gone'), project: 'gone' },
      { paths: paths('web'), project: 'web' },
    ]);
    const out = await local.run(['sh', '-c', script], { allowFailure: true });
    const states = splitStates(out.stdout);
    expect([...states.keys()]).toEqual(['gone', 'web']);
    expect(parseRemoteState(states.get('gone')!).exists).toBe(false);
    expect(parseRemoteState(states.get('web')!)).toMatchObject({ exists: true, current: 'releases/r1', releases: ['r1'] });
  });

  it("the states of several services count each one's running containers from one `docker ps` of the host", async () => {
    const root = mkdtempSync(join(dir, 'running-'));
    const bin = mkdtempSync(join(dir, 'bin-'));
    // A stand-in docker: the Compose project of each running container, one per line (one has none), and
    // a record of each call.
    writeFileSync(
      join(bin, 'docker'),
      `#!/bin/sh\necho "$*" >> ${bin}/calls\n[ "$1" = ps ] && printf 'web\\nweb\\n\\nweb-2\\n'\nexit 0\n`,
      { mode: 0o755 },
    );
    for (const name of ['web', 'api', 'web-2']) {
      mkdirSync(`${root}/${name}/releases/r1`, { recursive: true });
      symlinkSync('releases/r1', `${root}/${name}/current`);
    }
    const script = readStatesScript(['web', 'api', 'web-2'].map((name) => ({ paths: servicePaths(root, name), project: name })));
    const withDocker = new LocalExecutor({ env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` } });
    const states = splitStates((await withDocker.run(['sh', '-c', script], { allowFailure: true })).stdout);
    expect(Object.fromEntries([...states].map(([name, out]) => [name, parseRemoteState(out).running]))).toEqual({
      web: 2,
      api: 0,
      'web-2': 1,
    });
    expect(readFileSync(join(bin, 'calls'), 'utf8').trim().split('\n')).toEqual([
      'ps --filter status=running --format {{.Label "com.docker.compose.project"}}',
    ]);
  });

  it('creating several external networks stops at the first that cannot be created', async () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    // A stand-in docker: no network exists; `a` cannot be created, `b` can.
    writeFileSync(join(bin, 'docker'), `#!/bin/sh\necho "$*" >> ${bin}/calls\n[ "$2" = create ] && [ "$3" = b ] && exit 0\nexit 1\n`, {
      mode: 0o755,
    });
    const withDocker = new LocalExecutor({ env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` } });
    const out = await withDocker.run(['sh', '-c', `${ensureNetworksScript(['a', 'b'])} && echo staged`], { allowFailure: true });
    expect(out.exitCode).not.toBe(0);
    expect(out.stdout).not.toContain('staged');
    expect(readFileSync(join(bin, 'calls'), 'utf8').trim().split('\n')).toEqual(['network inspect a', 'network create a']);
  });

  it('a record cut short on its way (the connection dropped) is not committed', async () => {
    const root = mkdtempSync(join(dir, 'torn-'));
    const paths = servicePaths(root, 'web');
    mkdirSync(paths.root, { recursive: true });
    writeFileSync(paths.state, 'the previous record\n');
    const whole = '{"current":{"id":"r2"},"history":[]}\n';
    const torn = await local.run(['sh', '-c', writeStateScript(paths, Buffer.byteLength(whole))], {
      input: whole.slice(0, 10),
      allowFailure: true,
    });
    expect(torn.exitCode).not.toBe(0);
    expect(readFileSync(paths.state, 'utf8')).toBe('the previous record\n');
    const ok = await local.run(['sh', '-c', writeStateScript(paths, Buffer.byteLength(whole))], { input: whole });
    expect(ok.exitCode).toBe(0);
    expect(readFileSync(paths.state, 'utf8')).toBe(whole);
  });

  it('steps joined in one round trip: each reads its own bytes of stdin; the first failure stops the rest with its status', async () => {
    const root = mkdtempSync(join(dir, 'steps-'));
    const paths = servicePaths(root, 'web');
    mkdirSync(`${paths.releases}/r1`, { recursive: true });
    const intent = '{"id":"r1"}\n';
    const more = 'the rest of stdin\n';
    const steps = (failing: string) =>
      joinSteps([
        { script: writeIntentScript(paths, Buffer.byteLength(intent)), input: intent, display: 'intent' },
        { script: failing, display: 'may fail' },
        { script: swapScript(paths, 'r1'), display: 'swap' },
        { script: 'cat', input: more, display: 'the last reader' },
      ]);
    const ok = steps('true');
    expect(ok.display).toBe('intent, may fail, swap, the last reader');
    const r = await local.run(['sh', '-c', ok.script], { input: ok.input });
    expect(r.stdout).toBe(more);
    expect(readFileSync(paths.intent, 'utf8')).toBe(intent);
    expect(readlinkSync(paths.current)).toBe('releases/r1');
    rmSync(paths.intent);
    rmSync(paths.current);
    // A multi-line step that fails half-way: nothing after it runs, its status is the script's.
    const failed = steps('echo one\nfalse || exit 7\necho two');
    const f = await local.run(['sh', '-c', failed.script], { input: failed.input, allowFailure: true });
    expect(f.exitCode).toBe(7);
    expect(f.stdout).toBe('one\n');
    expect(existsSync(paths.intent)).toBe(true);
    expect(existsSync(paths.current)).toBe(false);
  });

  it('the intent and the switch: when either fails, the intent goes, `current` stays, nothing after runs, exit notSwitched', async () => {
    const root = mkdtempSync(join(dir, 'switch-'));
    const paths = servicePaths(root, 'web');
    mkdirSync(`${paths.releases}/r1`, { recursive: true });
    symlinkSync('releases/r1', paths.current);
    const intent = '{"id":"r2"}\n';
    const run = (script: string) =>
      local.run(
        [
          'sh',
          '-c',
          joinSteps([
            { script, input: intent, display: 'switch' },
            { script: `echo up > ${root}/up`, display: 'up' },
          ]).script,
        ],
        {
          input: intent,
          allowFailure: true,
        },
      );
    // `current.tmp` cannot be made (a directory of that name is in the way): the switch fails.
    mkdirSync(`${paths.root}/current.tmp/x`, { recursive: true });
    const failed = await run(intentAndSwapScript(paths, Buffer.byteLength(intent), 'r2'));
    expect(failed.exitCode).toBe(notSwitched);
    expect(failed.stderr).toContain(notSwitchedLine('r2'));
    expect(readlinkSync(paths.current)).toBe('releases/r1');
    expect(existsSync(paths.intent)).toBe(false);
    expect(existsSync(`${root}/up`)).toBe(false);
    rmSync(`${paths.root}/current.tmp`, { recursive: true });
    const ok = await run(intentAndSwapScript(paths, Buffer.byteLength(intent), 'r2'));
    expect(ok.exitCode).toBe(0);
    expect(readlinkSync(paths.current)).toBe('releases/r2');
    expect(readFileSync(paths.intent, 'utf8')).toBe(intent);
    expect(readFileSync(`${root}/up`, 'utf8')).toBe('up\n');
    // The intent cannot be written (its bytes cut short), with `current` already at r2 (an earlier try
    // of this round trip switched it): an ordinary failure, so that the deploy goes back.
    rmSync(`${root}/up`);
    const cut = (script: string) => local.run(['sh', '-c', script], { input: intent.slice(0, 4), allowFailure: true });
    const retried = await cut(intentAndSwapScript(paths, Buffer.byteLength(intent), 'r2'));
    expect(retried.exitCode).toBe(1);
    expect(retried.stderr).toContain('current points at r2 already');
    // The same with `current` elsewhere: not switched; the intent an earlier interrupted deploy left stays.
    writeFileSync(paths.intent, 'left by an earlier deploy\n');
    const other = await cut(intentAndSwapScript(paths, Buffer.byteLength(intent), 'r3'));
    expect(other.exitCode).toBe(notSwitched);
    expect(readlinkSync(paths.current)).toBe('releases/r2');
    expect(readFileSync(paths.intent, 'utf8')).toBe('left by an earlier deploy\n');
  });

  it('the last round trip without the lock: its own record found (a retry) or not (the lock was taken)', async () => {
    const root = mkdtempSync(join(dir, 'recorded-'));
    const paths = servicePaths(root, 'web');
    mkdirSync(paths.root, { recursive: true });
    const record = '{"current":{"id":"r2"}}\n';
    writeFileSync(paths.state, record);
    const check = (text: string) => local.run(['sh', '-c', recordedBeforeScript(paths, Buffer.byteLength(record))], { input: text });
    expect((await check(`${record}more stdin after it`)).stdout).toBe('--recorded-before--\n');
    expect((await check('{"current":{"id":"r3"}}\n')).stdout).toBe('');
    // Nothing to record (no current): done when no intent is left.
    const none = () => local.run(['sh', '-c', recordedBeforeScript(paths, undefined)]);
    expect((await none()).stdout).toBe('--recorded-before--\n');
    writeFileSync(paths.intent, '{}\n');
    expect((await none()).stdout).toBe('');
    expect(readFileSync(paths.state, 'utf8')).toBe(record);
  });

  it('a step guarded by the state it was decided on: it runs only when the host still holds that state', async () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    // One running container of the project: its id for `docker ps -q`, its project for `--format`.
    writeFileSync(join(bin, 'docker'), '#!/bin/sh\necho web\n', { mode: 0o755 });
    const sh = new LocalExecutor({ env: { PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}` } });
    const root = mkdtempSync(join(dir, 'guard-'));
    const paths = servicePaths(root, 'web');
    const read = readStateScript(paths, 'web');
    // Never deployed: the read's early exit ends only the read.
    const none = (await sh.run(['sh', '-c', read])).stdout;
    expect(none).toContain('--none--');
    const first = await sh.run(['sh', '-c', ifUnchangedScript(read, stateDigest(none), 'echo ran')]);
    expect(first.stdout).toBe('--unchanged--\nran\n--then-exit-- 0\n');
    mkdirSync(`${paths.releases}/r1`, { recursive: true });
    symlinkSync('releases/r1', paths.current);
    writeFileSync(paths.state, '{"current":{"id":"r1"}}\n');
    const text = (await sh.run(['sh', '-c', read])).stdout;
    const guarded = ifUnchangedScript(read, stateDigest(text), `cat > ${root}/staged; echo "staged $(wc -c < ${root}/staged)"; exit 3`);
    const same = await sh.run(['sh', '-c', guarded], { input: 'payload' });
    expect(same.stdout).toBe('--unchanged--\nstaged 7\n--then-exit-- 3\n');
    expect(readFileSync(`${root}/staged`, 'utf8')).toBe('payload');
    // Another deploy recorded r2 since: the step does not run, the state as it is now is printed.
    rmSync(`${root}/staged`);
    writeFileSync(paths.state, '{"current":{"id":"r2"}}\n');
    const changed = await sh.run(['sh', '-c', guarded], { input: 'payload' });
    expect(changed.stdout).toBe((await sh.run(['sh', '-c', read])).stdout);
    expect(changed.stdout).toContain('"r2"');
    expect(existsSync(`${root}/staged`)).toBe(false);
    // The read as the deploy makes it with the host's other services gives the same digest.
    const listed = splitStates((await sh.run(['sh', '-c', `${readStatesScript([{ paths, project: 'web' }])}\n:`])).stdout).get('web')!;
    expect(listed).toContain('--running--\n1\n');
    expect(stateDigest(listed)).toBe(stateDigest(changed.stdout));
  });
});
