import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthSchema } from '@homelab/model';
import { NotReadyError } from './errors.ts';
import { runHealthTest } from './health-test.ts';
import { poll } from './poller.ts';
import { httpProbe, tcpProbe, type ProbeTarget } from './probes.ts';

describe('poll', () => {
  it('waits longer each time and stops at the deadline', async () => {
    let clock = 0;
    const waits: number[] = [];
    const result = await poll(async () => { throw new NotReadyError('starting'); }, {
      timeoutMs: 10_000, intervalMs: 1000, factor: 2, maxIntervalMs: 4000,
      now: () => clock, wait: async (ms) => { waits.push(ms); clock += ms; },
    });
    expect(result).toEqual({ ok: false, reason: 'starting', attempts: 5 });
    expect(waits).toEqual([1000, 2000, 4000, 3000]);
  });

  it('returns the value as soon as the check passes', async () => {
    let n = 0;
    const result = await poll(async () => { if (++n < 3) throw new NotReadyError('no'); return 'up'; }, { timeoutMs: 1000, intervalMs: 1, wait: async () => {} });
    expect(result).toEqual({ ok: true, value: 'up', attempts: 3 });
  });

  it('does not retry other errors', async () => {
    await expect(poll(async () => { throw new TypeError('bug'); }, { timeoutMs: 1000, intervalMs: 1 })).rejects.toThrow('bug');
  });
});

describe('probes against a real HTTP server', () => {
  let server: Server;
  let port = 0;
  let ready = false;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/api/health') {
        res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ database: ready ? 'ok' : 'starting', version: '11.3.0' }));
      } else res.writeHead(404).end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const target: ProbeTarget = { address: '127.0.0.1', containerStates: async () => ['healthy'] };

  it('checks status, body and JSON fields', async () => {
    ready = true;
    const spec = { type: 'http' as const, port, path: '/api/health', scheme: 'http' as const, expectStatus: [200], expectJson: { database: 'ok' }, expectBody: '"version"' };
    await expect(httpProbe(spec, target)).resolves.toBe(`GET http://127.0.0.1:${port}/api/health: 200`);
    await expect(httpProbe({ ...spec, expectJson: { database: 'down' } }, target)).rejects.toThrow('database is "ok", expected "down"');
    ready = false;
    await expect(httpProbe(spec, target)).rejects.toThrow('status 503, expected 200');
  });

  it('a health test becomes healthy when the service does', async () => {
    ready = false;
    setTimeout(() => { ready = true; }, 300);
    const spec = healthSchema.parse({ probes: [{ type: 'http', port, path: '/api/health', expectJson: { database: 'ok' } }], timeoutSeconds: 5, intervalSeconds: 0.05 });
    const report = await runHealthTest(spec, target);
    expect(report.healthy).toBe(true);
    expect(report.attempts).toBeGreaterThan(1);
  });

  it('tcp probe sees open and closed ports', async () => {
    await expect(tcpProbe({ type: 'tcp', port }, target)).resolves.toContain('open');
    await expect(tcpProbe({ type: 'tcp', port: 1 }, target)).rejects.toThrow('ECONNREFUSED');
  });
});
