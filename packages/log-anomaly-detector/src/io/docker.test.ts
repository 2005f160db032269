// The Docker input's stream handling: framed (no TTY) and raw (TTY) log streams with timestamps, and
// container events written as `docker events` prints them.
import { describe, expect, it } from 'vitest';
import { eventLine, logLines } from './docker.ts';

const frame = (stream: number, text: string) => {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
};

describe('docker input', () => {
  it('splits a framed stream into timestamped lines, frames and lines cut anywhere', () => {
    const got: Array<[number, string]> = [];
    const feed = logLines(false, (ts, line) => got.push([ts, line]));
    const bytes = Buffer.concat([
      frame(1, '2026-11-26T10:00:00.123456789Z worker: loading queue\n2026-11-26T10:00:00.2'),
      frame(2, '00000000Z worker: cannot open /data/queue.db\n'),
    ]);
    // Fed in pieces that cut a header and a line.
    for (const [a, b] of [
      [0, 5],
      [5, 40],
      [40, bytes.length],
    ] as const)
      feed(bytes.subarray(a, b));
    expect(got).toEqual([
      [Date.parse('2026-11-26T10:00:00.123Z'), 'worker: loading queue'],
      [Date.parse('2026-11-26T10:00:00.200Z'), 'worker: cannot open /data/queue.db'],
    ]);
  });

  it('reads a TTY stream as it is', () => {
    const got: string[] = [];
    const feed = logLines(true, (_, line) => got.push(line));
    feed(Buffer.from('2026-11-26T10:00:00Z ready\r\n2026-11-26T10:00:01Z serving\r\n'));
    expect(got).toEqual(['ready', 'serving']);
  });

  it('writes container events like docker events', () => {
    expect(
      eventLine({
        Type: 'container',
        Action: 'die',
        Actor: {
          ID: '4f3c2b1a',
          Attributes: { name: 'app-web-1', image: 'lab/app:1.0.0', exitCode: '1', 'com.docker.compose.project': 'app' },
        },
        time: 1_764_151_200,
        timeNano: 1_764_151_200_500_000_000,
      }),
    ).toBe('2025-11-26T10:00:00.500Z container die 4f3c2b1a (exitCode=1, image=lab/app:1.0.0, name=app-web-1)');
  });
});
