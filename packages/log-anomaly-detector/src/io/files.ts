// Files and stdin as input. A file is followed like `tail -F`: new lines as they are appended,
// from the start again after truncation or when the path points to a new file (rotation).
import { createReadStream, openSync, closeSync, readSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { LogEvent } from '../detect/types.ts';

export async function readStdin(onEvent: (e: LogEvent) => void): Promise<void> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) onEvent({ source: 'stdin', line, ts: Date.now() });
}

export interface Follower {
  stop(): void;
}

// Follows `path` from its current end (or from the start with fromStart), polling every `intervalMs`.
export function followFile(
  path: string,
  onEvent: (e: LogEvent) => void,
  options: { fromStart?: boolean; intervalMs?: number } = {},
): Follower {
  let position = 0;
  let inode = -1;
  let rest = '';
  try {
    const st = statSync(path);
    inode = st.ino;
    position = options.fromStart ? 0 : st.size;
  } catch {
    position = 0;
  }
  const buffer = Buffer.alloc(1 << 16);
  const poll = () => {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(path);
    } catch {
      return; // not there (yet), or being rotated
    }
    if (st.ino !== inode || st.size < position) {
      inode = st.ino;
      position = 0;
      rest = '';
    }
    if (st.size === position) return;
    const fd = openSync(path, 'r');
    try {
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, position);
        if (n <= 0) break;
        position += n;
        const text = rest + buffer.toString('utf8', 0, n);
        const parts = text.split('\n');
        rest = parts.pop() ?? '';
        const now = Date.now();
        for (const line of parts) if (line) onEvent({ source: path, line: line.replace(/\r$/, ''), ts: now });
      }
    } finally {
      closeSync(fd);
    }
  };
  const timer = setInterval(poll, options.intervalMs ?? 250);
  poll();
  return { stop: () => clearInterval(timer) };
}

// Reads a whole file once (backfill).
export async function readFileLines(path: string, onEvent: (e: LogEvent) => void): Promise<void> {
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) onEvent({ source: path, line, ts: Date.now() });
}
