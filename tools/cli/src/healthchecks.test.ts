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
const checks = workspace.services.flatMap((svc) =>
  Object.entries(svc.compose.services).flatMap(([name, def]) => {
    const test = (def.healthcheck?.test ?? []) as string[];
    const [form, program, flag, script] = test;
    return form === 'CMD' && (program === 'bash' || program === 'python3') && flag === '-c' && script && /127\.0\.0\.1[:/]\d+/.test(script) ? [{ svc, name, program, script }] : [];
  }),
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
