// Compose healthchecks that talk HTTP through bash's /dev/tcp (images without curl or wget: promtail,
// dcgm-exporter): each one is run for real with bash against a server giving the package's recorded
// answers, on this machine's loopback. It must pass on the ready answer and fail on the not-ready one.
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
    return test[0] === 'CMD' && test[1] === 'bash' && /\/dev\/tcp\//.test(test[3] ?? '') ? [{ svc, name, script: test[3]! }] : [];
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

// The server answers in this process, so bash runs asynchronously.
async function run(script: string, to = port): Promise<number> {
  const r = await execa('bash', ['-c', script.replace(/\/dev\/tcp\/127\.0\.0\.1\/\d+/, `/dev/tcp/127.0.0.1/${to}`)], { reject: false, timeout: 10_000 });
  return r.exitCode ?? -1;
}

describe('bash /dev/tcp healthchecks against the recorded answers', () => {
  it('promtail and dcgm-exporter use them', () => {
    expect(checks.map((c) => c.name).sort()).toEqual(['dcgm-exporter', 'promtail']);
  });

  for (const { svc, name, script } of checks) {
    it(`${name}: healthy on the ready answer, not on the not-ready one or a closed port`, async () => {
      const path = script.match(/GET (\S+) HTTP/)![1]!;
      const recorded = (JSON.parse(readFileSync(join(svc.dir, 'health.recorded.json'), 'utf8')) as Recording)[path]!;
      answer = recorded.ready;
      expect(await run(script)).toBe(0);
      answer = recorded.notReady;
      expect(await run(script)).not.toBe(0);
      expect(await run(script, 1)).not.toBe(0);
    });
  }
});
