// The webhook and Alertmanager payloads, captured by a local HTTP server standing in for each API.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../detect/types.ts';
import { alertmanagerSink, discordSink, slackSink } from './sinks.ts';

let server: Server;
let base = '';
const received: Array<{ path: string; body: unknown }> = [];
let status = 204;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url!, body: JSON.parse(body) });
      res.writeHead(status).end(status >= 400 ? 'rate limited' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const alert: Alert = {
  name: 'NewLogTemplate',
  severity: 'critical',
  source: '{job="nginx"}',
  summary: 'new log template in {job="nginx"}',
  labels: { alertname: 'NewLogTemplate', severity: 'critical', source: '{job="nginx"}' },
  template: 'upstream timed out <*>',
  example: 'upstream timed out 110',
  at: Date.UTC(2026, 10, 26),
  fingerprint: 'f',
};

describe('sinks', () => {
  it('Discord and Slack webhooks get one message per group', async () => {
    await discordSink(`${base}/api/webhooks/1/abc`).send([alert]);
    await slackSink(`${base}/services/T0/B0/xyz`).send([alert]);
    expect(received.slice(-2)).toEqual([
      {
        path: '/api/webhooks/1/abc',
        body: {
          username: 'log-anomaly-detector',
          content: '**NewLogTemplate** (critical) new log template in {job="nginx"}\n`upstream timed out <*>`',
        },
      },
      {
        path: '/services/T0/B0/xyz',
        body: { text: '*NewLogTemplate* (critical) new log template in {job="nginx"}\n`upstream timed out <*>`' },
      },
    ]);
  });

  it('Alertmanager gets the v2 alert shape, resolving by itself later', async () => {
    await alertmanagerSink(base, { resolveMs: 60_000 }).send([alert]);
    expect(received.at(-1)).toEqual({
      path: '/api/v2/alerts',
      body: [
        {
          labels: { alertname: 'NewLogTemplate', severity: 'critical', source: '{job="nginx"}', service: 'log-anomaly-detector' },
          annotations: {
            summary: 'new log template in {job="nginx"}',
            template: 'upstream timed out <*>',
            example: 'upstream timed out 110',
          },
          startsAt: '2026-11-26T00:00:00.000Z',
          endsAt: '2026-11-26T00:01:00.000Z',
        },
      ],
    });
  });

  it('a refused delivery is an error naming the sink and the status, without the webhook secret path', async () => {
    status = 429;
    const error = await discordSink(`${base}/api/webhooks/1/secret-token`)
      .send([alert])
      .catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^discord: POST http:\/\/127\.0\.0\.1:\d+\/… answered 429 rate limited/);
    expect((error as Error).message).not.toContain('secret-token');
    status = 204;
  });
});
