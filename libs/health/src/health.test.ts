import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthSchema } from '@homelab/model';
import { NotReadyError } from './errors.ts';
import { runHealthTest } from './health-test.ts';
import { poll } from './poller.ts';
import { execProbe, httpProbe, tcpProbe, type ProbeTarget } from './probes.ts';
import { spawnSync } from 'node:child_process';

describe('poll', () => {
  it('waits longer each time and stops at the deadline', async () => {
    let clock = 0;
    const waits: number[] = [];
    const result = await poll(
      async () => {
        throw new NotReadyError('starting');
      },
      {
        timeoutMs: 10_000,
        intervalMs: 1000,
        factor: 2,
        maxIntervalMs: 4000,
        now: () => clock,
        wait: async (ms) => {
          waits.push(ms);
          clock += ms;
        },
      },
    );
    expect(result).toEqual({ ok: false, reason: 'starting', attempts: 5 });
    expect(waits).toEqual([1000, 2000, 4000, 3000]);
  });

  it('returns the value as soon as the check passes', async () => {
    let n = 0;
    const result = await poll(
      async () => {
        if (++n < 3) throw new NotReadyError('no');
        return 'up';
      },
      { timeoutMs: 1000, intervalMs: 1, wait: async () => {} },
    );
    expect(result).toEqual({ ok: true, value: 'up', attempts: 3 });
  });

  it('does not retry other errors', async () => {
    await expect(
      poll(
        async () => {
          throw new TypeError('bug');
        },
        { timeoutMs: 1000, intervalMs: 1 },
      ),
    ).rejects.toThrow('bug');
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
    const spec = {
      type: 'http' as const,
      port,
      path: '/api/health',
      scheme: 'http' as const,
      expectStatus: [200],
      expectJson: { database: 'ok' },
      expectBody: '"version"',
    };
    await expect(httpProbe(spec, target)).resolves.toBe(`GET http://127.0.0.1:${port}/api/health: 200`);
    await expect(httpProbe({ ...spec, expectJson: { database: 'down' } }, target)).rejects.toThrow('database is "ok", expected "down"');
    ready = false;
    await expect(httpProbe(spec, target)).rejects.toThrow('status 503, expected 200');
  });

  it('a health test becomes healthy when the service does', async () => {
    ready = false;
    setTimeout(() => {
      ready = true;
    }, 300);
    const spec = healthSchema.parse({
      probes: [{ type: 'http', port, path: '/api/health', expectJson: { database: 'ok' } }],
      timeoutSeconds: 5,
      intervalSeconds: 0.05,
    });
    const report = await runHealthTest(spec, target);
    expect(report.healthy).toBe(true);
    expect(report.attempts).toBeGreaterThan(1);
  });

  it('tcp probe sees open and closed ports', async () => {
    await expect(tcpProbe({ type: 'tcp', port }, target)).resolves.toContain('open');
    await expect(tcpProbe({ type: 'tcp', port: 1 }, target)).rejects.toThrow('ECONNREFUSED');
  });
});

describe('exec probe', () => {
  // The "container" is this machine: commands run for real, with the service's environment.
  const env: Record<string, Record<string, string>> = { cache: { CACHE_STATE: 'ready' } };
  const target: ProbeTarget = {
    address: '127.0.0.1',
    containerStates: async () => ['healthy'],
    containerExec: async (service, command) => {
      const r = spawnSync(command[0]!, command.slice(1), { env: { PATH: process.env.PATH, ...env[service] }, encoding: 'utf8' });
      return { exitCode: r.status ?? 1, output: r.stdout + r.stderr };
    },
  };
  const probe = {
    type: 'exec' as const,
    service: 'cache',
    command: ['sh', '-c', 'echo "state=$CACHE_STATE"'],
    expectOutput: '^state=ready$',
  };

  it('passes when the command exits 0 and prints what is expected', async () => {
    await expect(execProbe(probe, target)).resolves.toBe('exec cache: sh -c echo "state=$CACHE_STATE": state=ready');
  });

  it('fails on other output, and on a failing command even when its output matches', async () => {
    env.cache = { CACHE_STATE: 'loading' };
    await expect(execProbe(probe, target)).rejects.toThrow('output does not match /^state=ready$/ (got "state=loading")');
    env.cache = { CACHE_STATE: 'ready' };
    await expect(execProbe({ ...probe, command: ['sh', '-c', 'echo "state=$CACHE_STATE"; exit 3'] }, target)).rejects.toThrow(
      'exit code 3 (output "state=ready")',
    );
    await expect(execProbe(probe, { ...target, containerExec: undefined })).rejects.toThrow('cannot run commands in containers');
  });

  it('a secret written as ${...} in the probe is refused by the schema', () => {
    const parsed = healthSchema.safeParse({ probes: [{ ...probe, command: ['redis-cli', '-a', '${REDIS_PASSWORD}', 'ping'] }] });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain("container's own environment");
  });
});
