// Compose healthchecks written for images without curl or wget — over bash's /dev/tcp (promtail,
// dcgm-exporter) or the image's own Python (comfyui): each one is run for real, with bash or python3,
// against a server giving the package's recorded answers on this machine's loopback. It must pass on
// the ready answer and fail on the not-ready one and on a closed port.
import { execa } from 'execa';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '@homelab/model/testing';
import { loadWorkspace } from './workspace.ts';

type Answer = { status: number; body: string };
type Recording = Record<string, { ready: Answer; notReady: Answer }>;

const { workspace } = await loadWorkspace('production', repoRoot);
// Every compose healthcheck of the catalog, as its test argv.
const healthchecks = workspace.services.flatMap((svc) =>
  Object.entries(svc.compose.services).map(([name, def]) => ({ svc, name, test: (def.healthcheck?.test ?? []) as string[] })),
);
const checks = healthchecks.flatMap(({ svc, name, test: [form, program, flag, script] }) =>
  form === 'CMD' && (program === 'bash' || program === 'python3') && flag === '-c' && script && /127\.0\.0\.1[:/]\d+/.test(script)
    ? [{ svc, name, program, script }]
    : [],
);

let server: Server;
let port = 0;
let answer: Answer = { status: 200, body: '' };
beforeAll(async () => {
  server = createServer((_req, res) => res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

// The server answers in this process, so the check runs asynchronously; only its port is changed.
async function run(program: string, script: string, to = port): Promise<number> {
  const r = await execa(program, ['-c', script.replace(/127\.0\.0\.1([:/])\d+/, `127.0.0.1$1${to}`)], { reject: false, timeout: 10_000 });
  return r.exitCode ?? -1;
}

describe('healthchecks without curl or wget, against the recorded answers', () => {
  it('comfyui, dcgm-exporter and promtail use them', () => {
    expect(checks.map((c) => c.name).sort()).toEqual(['comfyui', 'dcgm-exporter', 'promtail']);
  });

  for (const { svc, name, program, script } of checks) {
    it(`${name}: healthy on the ready answer, not on the not-ready one or a closed port`, async () => {
      const path = (script.match(/GET (\S+) HTTP/) ?? script.match(/127\.0\.0\.1:\d+(\/[^'"\s]*)/))![1]!;
      const recorded = (JSON.parse(readFileSync(join(svc.dir, 'health.recorded.json'), 'utf8')) as Recording)[path]!;
      answer = recorded.ready;
      expect(await run(program, script)).toBe(0);
      answer = recorded.notReady;
      expect(await run(program, script)).not.toBe(0);
      expect(await run(program, script, 1)).not.toBe(0);
    });
  }
});

// Process checks (kometa, the GitHub runners) grep /proc/*/cmdline for a pattern written as
// "[k]ometa\.py", which cannot match the check's own shell: `pgrep -f kometa.py` in CMD-SHELL always
// found its own `sh -c` and passed. Run for real with sh, with and without a process of that name.
const processChecks = healthchecks.flatMap(({ name, test: [form, script = ''] }) => {
  const first = form === 'CMD-SHELL' ? script.match(/'\[(\w)\]([^']*)' \/proc\/\[0-9\]\*\/cmdline/) : null;
  return first ? [{ name, script, process: `${first[1]}${first[2]!.replace(/\\\./g, '.')}` }] : [];
});

describe('process healthchecks do not match themselves', () => {
  it('kometa and the GitHub runners use them', () => {
    expect(processChecks.map((c) => `${c.name}: ${c.process}`).sort()).toEqual([
      'github-runner: Runner.Listener',
      'kometa: kometa.py',
      'lab-runner: Runner.Listener',
    ]);
  });

  for (const { name, script, process } of processChecks) {
    it(`${name}: healthy while "${process}" runs, unhealthy without it`, async () => {
      expect((await execa('sh', ['-c', script], { reject: false })).exitCode).not.toBe(0);
      const dummy = execa('bash', ['-c', `exec -a "/app/${process} --run" sleep 30`], { reject: false });
      try {
        await new Promise((r) => setTimeout(r, 200));
        expect((await execa('sh', ['-c', script], { reject: false })).exitCode).toBe(0);
      } finally {
        dummy.kill();
        await dummy;
      }
      expect((await execa('sh', ['-c', script], { reject: false })).exitCode).not.toBe(0);
    });
  }
});
