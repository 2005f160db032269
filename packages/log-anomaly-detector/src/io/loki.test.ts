// The Loki client against a stand-in that serves Loki's documented HTTP API (query_range JSON and the
// tail WebSocket): Grafana Loki is not packaged for this machine.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import type { LogEvent } from '../detect/types.ts';
import { queryRange, streamName, tail } from './loki.ts';

const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`;
const t0 = Date.UTC(2026, 10, 26, 8, 0, 0);
const stored = Array.from({ length: 7 }, (_, i) => [ns(t0 + i * 1000), `line ${i}`] as [string, string]);
let server: Server;
let base = '';
const requests: URLSearchParams[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname !== '/loki/api/v1/query_range') return void res.writeHead(404).end();
    requests.push(url.searchParams);
    const start = BigInt(url.searchParams.get('start')!);
    const limit = Number(url.searchParams.get('limit'));
    const values = stored.filter(([t]) => BigInt(t) >= start).slice(0, limit);
    // Two streams, as Loki returns them: values split by labels.
    const body = {
      status: 'success',
      data: {
        resultType: 'streams',
        result: [
          { stream: { job: 'app', host: 'ocean' }, values: values.filter((_, i) => i % 2 === 0) },
          { stream: { job: 'app', host: 'dns01' }, values: values.filter((_, i) => i % 2 === 1) },
        ],
        stats: {},
      },
    };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!req.url!.startsWith('/loki/api/v1/tail')) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.send(
        JSON.stringify({
          streams: [
            {
              stream: { job: 'app', host: 'ocean' },
              values: [
                [ns(t0 + 10_000), 'live one'],
                [ns(t0 + 11_000), 'live two'],
              ],
            },
          ],
          dropped_entries: null,
        }),
      );
      ws.send(JSON.stringify({ streams: [{ stream: { job: 'app', host: 'dns01' }, values: [[ns(t0 + 12_000), 'live three']] }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('Loki client (against a stand-in of the Loki HTTP API)', () => {
  it('query_range backfills in pages, forward, in time order across streams', async () => {
    const events: LogEvent[] = [];
    for await (const e of queryRange({ url: base, query: '{job="app"}', limit: 3 }, t0, t0 + 60_000)) events.push(e);
    expect(events.map((e) => e.line)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6']);
    expect(events[1]).toEqual({ source: '{host="dns01",job="app"}', line: 'line 1', ts: t0 + 1000 });
    expect(requests.map((r) => [r.get('query'), r.get('direction'), r.get('limit')])).toEqual([
      ['{job="app"}', 'forward', '3'],
      ['{job="app"}', 'forward', '3'],
      ['{job="app"}', 'forward', '3'],
    ]);
    expect(requests[1]!.get('start')).toBe(`${BigInt(ns(t0 + 2000)) + 1n}`);
  });

  it('tail streams live lines over the WebSocket until aborted', async () => {
    const events: LogEvent[] = [];
    const controller = new AbortController();
    const done = tail(
      { url: base, query: '{job="app"}' },
      t0,
      (e) => {
        events.push(e);
        if (events.length === 3) controller.abort();
      },
      controller.signal,
    );
    await done;
    expect(events.map((e) => [e.source, e.line])).toEqual([
      ['{host="ocean",job="app"}', 'live one'],
      ['{host="ocean",job="app"}', 'live two'],
      ['{host="dns01",job="app"}', 'live three'],
    ]);
    expect(streamName({ b: '2', a: '1' })).toBe('{a="1",b="2"}');
  });
});
