// Docker as input, through the Engine API on its Unix socket: the logs of every container (backfilled
// for a while, then followed, each line at its own timestamp; a container that starts later is followed
// from its start), and the daemon's container events that matter (die with an exit code, OOM) as lines
// in `docker events` format, source "docker-events".
import { request, type IncomingMessage } from 'node:http';
import type { LogEvent } from '../detect/types.ts';

export interface DockerOptions {
  /** The daemon's socket: /var/run/docker.sock or unix:///run/... */
  socket: string;
  /** Logs of the containers already running are read from this many minutes back. */
  backfillMinutes: number;
}

export interface DockerFollower {
  stop(): void;
  /** Resolves once the running containers' backfill has been read and the event stream is open. */
  ready: Promise<void>;
}

function get(socketPath: string, path: string, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', signal }, (res) => {
      if ((res.statusCode ?? 500) >= 300) {
        res.resume();
        reject(new Error(`docker ${path.split('?')[0]} answered ${res.statusCode} on ${socketPath}`));
      } else resolve(res);
    });
    req.on('error', (e) => reject(new Error(`docker ${path.split('?')[0]}: cannot reach ${socketPath}: ${e.message}`)));
    req.end();
  });
}

async function json<T>(socketPath: string, path: string, signal: AbortSignal): Promise<T> {
  const res = await get(socketPath, path, signal);
  let body = '';
  for await (const chunk of res) body += chunk;
  return JSON.parse(body) as T;
}

// Unix seconds as the API takes them ("1732600000.123456789").
function unixSeconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

// Splits a log stream into lines: a stream without a TTY is framed (8-byte headers: stream, 0, 0, 0,
// size as big-endian uint32), one with a TTY is raw. Each line starts with its RFC 3339 timestamp.
export function logLines(tty: boolean, onLine: (ts: number, line: string) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  let text = '';
  const emit = () => {
    const parts = text.split('\n');
    text = parts.pop() ?? '';
    for (const part of parts) {
      const space = part.indexOf(' ');
      const ts = Date.parse(part.slice(0, space));
      const line = part.slice(space + 1).replace(/\r$/, '');
      if (line) onLine(Number.isFinite(ts) ? ts : Date.now(), line);
    }
  };
  return (chunk) => {
    if (tty) {
      text += chunk.toString('utf8');
      emit();
      return;
    }
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      text += pending.toString('utf8', 8, 8 + size);
      pending = pending.subarray(8 + size);
    }
    emit();
  };
}

interface DockerEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  time: number;
  timeNano: number;
}

// A container event as `docker events` prints it: "<time> container die <id> (exitCode=1, image=x, name=y)".
export function eventLine(e: DockerEvent): string {
  const a = e.Actor.Attributes;
  const attrs = Object.keys(a)
    .filter((k) => ['exitCode', 'image', 'name', 'signal'].includes(k))
    .sort()
    .map((k) => `${k}=${a[k]}`)
    .join(', ');
  return `${new Date(Math.floor(e.timeNano / 1e6)).toISOString()} container ${e.Action} ${e.Actor.ID} (${attrs})`;
}

export function followDocker(o: DockerOptions, onEvent: (e: LogEvent) => void, onError: (e: Error) => void = () => {}): DockerFollower {
  const socketPath = o.socket.replace(/^unix:\/\//, '');
  const controller = new AbortController();
  const signal = controller.signal;
  const following = new Set<string>();

  const followLogs = async (id: string, sinceMs: number) => {
    if (following.has(id) || signal.aborted) return;
    following.add(id);
    try {
      const info = await json<{ Name: string; Config: { Tty: boolean } }>(socketPath, `/containers/${id}/json`, signal);
      const source = `docker:${info.Name.replace(/^\//, '')}`;
      const res = await get(
        socketPath,
        `/containers/${id}/logs?follow=1&stdout=1&stderr=1&timestamps=1&since=${unixSeconds(sinceMs)}`,
        signal,
      );
      const feed = logLines(info.Config.Tty, (ts, line) => onEvent({ source, line, ts }));
      for await (const chunk of res) feed(chunk as Buffer);
    } catch (e) {
      if (!signal.aborted) onError(e as Error);
    } finally {
      following.delete(id);
    }
  };

  const events = async (sinceMs: number) => {
    const filters = encodeURIComponent(JSON.stringify({ type: ['container'], event: ['start', 'die', 'oom'] }));
    const res = await get(socketPath, `/events?since=${unixSeconds(sinceMs)}&filters=${filters}`, signal);
    let rest = '';
    (async () => {
      try {
        for await (const chunk of res) {
          const parts = (rest + String(chunk)).split('\n');
          rest = parts.pop() ?? '';
          for (const p of parts) {
            if (!p.trim()) continue;
            const e = JSON.parse(p) as DockerEvent;
            const at = Math.floor(e.timeNano / 1e6);
            if (e.Action === 'start') void followLogs(e.Actor.ID, at);
            else if (e.Action === 'oom' || (e.Action === 'die' && e.Actor.Attributes.exitCode !== undefined))
              onEvent({ source: 'docker-events', line: eventLine(e), ts: at });
          }
        }
      } catch (e) {
        if (!signal.aborted) onError(e as Error);
      }
    })();
  };

  const ready = (async () => {
    const now = Date.now();
    await events(now);
    const running = await json<Array<{ Id: string }>>(socketPath, '/containers/json', signal);
    for (const c of running) void followLogs(c.Id, now - o.backfillMinutes * 60_000);
  })();
  ready.catch((e) => onError(e as Error));
  return { stop: () => controller.abort(), ready };
}
