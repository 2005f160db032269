// The detector on the lab, on real logs: it follows the Docker logs and container events of the lab host
// ocean (its Engine API socket; the services deployed there, backfilled 10 minutes) and the syslog of the
// lab hosts' sshd (busybox syslogd on /dev/log, written to a file the detector follows), besides a steady
// service of the test's own (so that a lab with nothing deployed has logs too). After a quiet baseline of
// 45 s (three times the time allowed for an alert) that must raise nothing, the test injects four
// incidents, one after another, and each must raise its alert within 15 s: a database refusing logins, a
// service crash loop, a disk filling up, repeated failed SSH logins on a lab host.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labImages } from '@homelab/lab';
import { labUp } from '@homelab/lab/testing';
import { repoRoot } from '@homelab/model/testing';
import { App, configFromEnv } from './app.ts';
import type { Alert } from './detect/types.ts';

const BASELINE_MS = 45_000;
const ALERT_WITHIN_MS = 15_000;
const WINDOW_SECONDS = 5;

const id = randomBytes(3).toString('hex');
const name = (what: string) => `lad-${id}-${what}`;
const dir = mkdtempSync(join(tmpdir(), 'lad-lab-'));
const syslogFile = join(dir, 'syslog');
const image = (repo: string) => labImages.find((i) => i.ref.startsWith(`lab/${repo}:`))!.ref;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dockerHost = '';
let oceanAddress = '';
let app: App | undefined;
let syslogd: ResultPromise | undefined;
let ownDevLog = false;
const received: Array<{ alert: Alert; at: number }> = [];

const docker = async (args: string[]) => {
  const r = await execa('docker', args, { env: { DOCKER_HOST: dockerHost }, reject: false });
  return r;
};

// Runs a busybox shell script as a container of ocean named `what` (Docker options in `options`).
async function runScript(what: string, script: string, options: string[] = []): Promise<void> {
  const r = await docker(['run', '-d', '--name', name(what), ...options, image('busybox'), 'sh', '-c', script]);
  expect(r.exitCode, r.stderr).toBe(0);
}

// Waits for an alert that `match` accepts, received at or after `since`; returns how long it took.
async function alertFor(match: (a: Alert) => boolean, since: number): Promise<{ alert: Alert; ms: number }> {
  for (;;) {
    const hit = received.find((r) => r.at >= since && match(r.alert));
    if (hit) return { alert: hit.alert, ms: hit.at - since };
    if (Date.now() - since > ALERT_WITHIN_MS) throw new Error(`no alert within ${ALERT_WITHIN_MS / 1000} s`);
    await sleep(200);
  }
}
const rule = (r: string) => (a: Alert) => a.name === 'LogPatternMatch' && a.labels.rule === r;

beforeAll(async () => {
  const lab = await labUp(repoRoot, () => {});
  dockerHost = lab.hosts.ocean!.dockerHost!;
  oceanAddress = lab.hosts.ocean!.address;
  // The lab hosts' sshd logs through syslog(3); no syslog daemon runs here, so the test runs one.
  if (existsSync('/dev/log')) {
    // A socket left by an earlier run that was killed is removed; one a running daemon holds is not.
    const held = (await execa('ss', ['-xa'], { reject: false })).stdout.split('\n').some((l) => / \/dev\/log /.test(l));
    if (held) throw new Error('/dev/log is held by a running syslog daemon; this test needs its own');
    rmSync('/dev/log', { force: true });
  }
  syslogd = execa('busybox', ['syslogd', '-n', '-O', syslogFile], { reject: false });
  ownDevLog = true;
  for (let i = 0; !existsSync('/dev/log'); i++) {
    if (i > 50) throw new Error('busybox syslogd did not create /dev/log');
    await sleep(100);
  }
  // A steady service, and the database of the first incident, run before the detector starts: history.
  await runScript('app', 'while true; do echo "app: served /api/status in $((RANDOM % 20)) ms"; sleep 0.5; done');
  writeFileSync(join(dir, 'db.env'), `MARIADB_ROOT_PASSWORD=${randomBytes(12).toString('hex')}\n`);
  const run = await docker(['run', '-d', '--name', name('db'), '--env-file', join(dir, 'db.env'), image('mariadb')]);
  expect(run.exitCode, run.stderr).toBe(0);
  const dbLog = async () => {
    const r = await docker(['logs', name('db')]);
    return r.stdout + r.stderr;
  };
  for (let i = 0; !(await dbLog()).includes('ready for connections'); i++) {
    if (i > 100) throw new Error('the lab database did not start');
    await sleep(300);
  }
  const config = configFromEnv({
    LAD_DOCKER_HOST: dockerHost,
    LAD_DOCKER_BACKFILL_MINUTES: '10',
    LAD_FILES: syslogFile,
    LAD_WINDOW_SECONDS: String(WINDOW_SECONDS),
    LAD_WARMUP_WINDOWS: '3',
    LAD_DEDUP_MINUTES: '0',
    LAD_NOTIFICATIONS_PER_MINUTE: '1000',
    LAD_PORT: '0',
    LAD_HOST: '127.0.0.1',
  });
  app = new App(config, [
    {
      name: 'test',
      send: async (alerts) => {
        for (const alert of alerts) received.push({ alert, at: Date.now() });
      },
    },
  ]);
  app.log = () => {};
  await app.start();
  await app.ready;
  // The backfill read and the first windows closed: what it raised about history comes before the baseline.
  await sleep(3 * WINDOW_SECONDS * 1000);
});

afterAll(async () => {
  await app?.stop();
  if (dockerHost) for (const c of ['app', 'db', 'worker', 'writer']) await docker(['rm', '-f', name(c)]);
  syslogd?.kill();
  await syslogd?.catch(() => undefined);
  if (ownDevLog) rmSync('/dev/log', { force: true });
  rmSync(dir, { recursive: true, force: true });
});

describe('the detector on the lab: real logs, injected incidents', () => {
  let baselineMs = 0;

  it(
    'raises nothing over a quiet baseline of the lab services',
    async () => {
      const from = Date.now();
      const linesBefore = app!.detector.lines;
      await sleep(BASELINE_MS);
      baselineMs = Date.now() - from;
      expect(received.filter((r) => r.at >= from).map((r) => `${r.alert.name} ${r.alert.source}: ${r.alert.example}`)).toEqual([]);
      // It was reading: the containers' logs came in during the baseline (the steady service's among them).
      expect(app!.detector.lines).toBeGreaterThan(linesBefore + BASELINE_MS / 1000);
      const metrics = await (await fetch(`http://127.0.0.1:${app!.port}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`lad_lines_total\\{source="docker:${name('app')}"\\} \\d+`));
    },
    BASELINE_MS + 30_000,
  );

  it(
    `raises an alert for each incident within ${ALERT_WITHIN_MS / 1000} s`,
    async () => {
      const phase = Date.now();
      const took: Record<string, number> = {};

      // 1. A database refusing logins: clients with a user it does not know; the server logs each refusal.
      let at = Date.now();
      for (let i = 0; i < 3; i++) await docker(['exec', name('db'), 'mariadb', '-u', 'intruder', '-e', 'select 1']);
      const db = await alertFor(rule('database-connection-failure'), at);
      expect(db.alert.source).toBe(`docker:${name('db')}`);
      expect(db.alert.example).toMatch(/Access denied for user 'intruder'@/);
      took.database = db.ms;

      // 2. A service in a crash loop: it fails at start-up and Docker restarts it, again and again.
      at = Date.now();
      await runScript('worker', 'echo "worker: loading queue"; echo "worker: cannot open /data/queue.db: permission denied" >&2; exit 1', [
        '--restart',
        'always',
      ]);
      const loop = await alertFor(rule('container-restart-loop'), at);
      expect(loop.alert.source).toBe('docker-events');
      expect(loop.alert.example).toMatch(
        new RegExp(`container die [0-9a-f]+ \\(exitCode=1, image=lab/busybox:[^,]+, name=${name('worker')}\\)`),
      );
      took.crashLoop = loop.ms;
      // A loop, not one failure: the container died again and again.
      for (let i = 0; received.filter((r) => r.at >= at && rule('container-restart-loop')(r.alert)).length < 3; i++) {
        expect(i, 'three restarts within 20 s').toBeLessThan(100);
        await sleep(200);
      }
      await docker(['rm', '-f', name('worker')]);

      // 3. A disk filling up: a service writes to a 256 KiB volume until the writes fail.
      at = Date.now();
      await runScript(
        'writer',
        'i=0; while dd if=/dev/zero of=/data/chunk$i bs=32k count=1 2>/tmp/dd.err; do echo "backup: wrote chunk $i"; i=$((i+1)); sleep 0.1; done; cat /tmp/dd.err >&2; sleep 3600',
        ['--tmpfs', '/data:size=256k'],
      );
      const full = await alertFor(rule('disk-full'), at);
      expect(full.alert.source).toBe(`docker:${name('writer')}`);
      expect(full.alert.example).toMatch(/No space left on device/);
      took.diskFull = full.ms;

      // 4. Repeated failed SSH logins on the lab host ocean: a user it does not have, five times.
      at = Date.now();
      for (let i = 0; i < 5; i++)
        await execa(
          'ssh',
          [
            '-o',
            'BatchMode=yes',
            '-o',
            'StrictHostKeyChecking=no',
            '-o',
            'UserKnownHostsFile=/dev/null',
            '-o',
            'ConnectTimeout=5',
            `intruder@${oceanAddress}`,
            'true',
          ],
          { reject: false },
        );
      const ssh = await alertFor(rule('ssh-failed-login'), at);
      expect(ssh.alert.source).toBe(syslogFile);
      expect(ssh.alert.example).toMatch(/sshd\[\d+\]: Invalid user intruder from \S+ port \d+/);
      took.ssh = ssh.ms;

      console.log(
        `incident alerts after (ms): ${JSON.stringify(took)}; incidents ${Date.now() - phase} ms, quiet baseline ${baselineMs} ms`,
      );
    },
    4 * ALERT_WITHIN_MS + 60_000,
  );
});
