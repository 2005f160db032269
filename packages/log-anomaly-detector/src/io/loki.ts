// Grafana Loki as input: query_range to backfill, then the tail WebSocket for live lines.
import type { LogEvent } from '../detect/types.ts';

export interface LokiOptions {
  url: string;
  /** A LogQL stream selector, e.g. {job="systemd-journal"}. */
  query: string;
  limit?: number;
  headers?: Record<string, string>;
}

interface Stream {
  stream: Record<string, string>;
  values: Array<[string, string]>;
}

export function streamName(labels: Record<string, string>): string {
  return `{${Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`)
    .join(',')}}`;
}

function toEvents(streams: Stream[]): LogEvent[] {
  return streams
    .flatMap((s) => s.values.map(([ns, line]) => ({ source: streamName(s.stream), line, ts: Math.floor(Number(BigInt(ns) / 1_000_000n)) })))
    .sort((a, b) => a.ts - b.ts);
}

// GET /loki/api/v1/query_range, forward, paged by the last timestamp until `end`.
export async function* queryRange(o: LokiOptions, startMs: number, endMs: number): AsyncGenerator<LogEvent> {
  const limit = o.limit ?? 5000;
  let start = BigInt(startMs) * 1_000_000n;
  const end = BigInt(endMs) * 1_000_000n;
  for (;;) {
    const u = new URL('/loki/api/v1/query_range', o.url);
    u.search = new URLSearchParams({
      query: o.query,
      start: String(start),
      end: String(end),
      limit: String(limit),
      direction: 'forward',
    }).toString();
    const r = await fetch(u, { headers: o.headers, signal: AbortSignal.timeout(30_000) });
    if (!r.ok) throw new Error(`loki query_range answered ${r.status}: ${(await r.text()).slice(0, 200)}`);
    const body = (await r.json()) as { status: string; data: { resultType: string; result: Stream[] } };
    if (body.data.resultType !== 'streams')
      throw new Error(`loki query_range: expected streams, got ${body.data.resultType} (use a log query, not a metric query)`);
    const events = toEvents(body.data.result);
    for (const e of events) yield e;
    const count = body.data.result.reduce((n, s) => n + s.values.length, 0);
    if (count < limit) return;
    // biome-ignore lint/complexity/useMathMinMax: the values are BigInt nanoseconds, which Math.max does not take
    const last = body.data.result.flatMap((s) => s.values.map(([ns]) => BigInt(ns))).reduce((a, b) => (b > a ? b : a), 0n);
    start = last + 1n;
    if (start >= end) return;
  }
}

// The tail WebSocket (/loki/api/v1/tail): calls `onEvent` for each line until `signal` aborts.
export function tail(o: LokiOptions, startMs: number, onEvent: (e: LogEvent) => void, signal: AbortSignal): Promise<void> {
  const u = new URL('/loki/api/v1/tail', o.url);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  u.search = new URLSearchParams({ query: o.query, start: String(BigInt(startMs) * 1_000_000n), limit: String(o.limit ?? 100) }).toString();
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(u);
    signal.addEventListener('abort', () => ws.close(), { once: true });
    ws.addEventListener('message', (m) => {
      const body = JSON.parse(String(m.data)) as { streams?: Stream[] };
      for (const e of toEvents(body.streams ?? [])) onEvent(e);
    });
    ws.addEventListener('close', () => resolve());
    ws.addEventListener('error', () => (signal.aborted ? resolve() : reject(new Error(`loki tail: cannot connect to ${u.origin}`))));
  });
}
