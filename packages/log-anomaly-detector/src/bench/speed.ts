// Speed references for the bench: the floor every throughput figure is set against, and lines of a
// chosen number of distinct templates.

// The floor: each line split on whitespace and counted in a Map by a key, the lines replayed to
// `total`; lines per second. The key is the line's tokens joined again ('tokens', the shape of the
// miner's own key, built from every token of the line) or only its first token ('first', the least
// work a split-and-count can do). What a tokenizing pass over the same text costs on this machine.
export function whitespaceFloor(lines: string[], total: number, key: 'tokens' | 'first' = 'tokens'): number {
  const counts = new Map<string, number>();
  const start = process.hrtime.bigint();
  for (let n = 0; n < total; ) {
    for (let i = 0; i < lines.length && n < total; i++, n++) {
      const tokens = lines[i]!.split(/\s+/);
      const k = key === 'tokens' ? tokens.join(' ') : tokens[0]!;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (counts.size === 0 && lines.length) throw new Error('floor: nothing counted');
  return total / seconds;
}

export interface Paired {
  floor: number;
  floor2: number;
  steady: number;
  /** steady / floor. */
  ratio: number;
  ratio2: number;
}

// Steady-state lines/s of `add` against both floors on the same lines. The machine may be shared, so
// the run is cut in `rounds`, each timing the floors and then the miner on the same number of lines
// back to back; each figure is the best of its rounds (the least disturbed), the ratios are of those.
export function pairedThroughput(lines: string[], total: number, add: (line: string) => void, rounds = 10): Paired {
  const per = Math.ceil(total / rounds);
  let floor = 0;
  let floor2 = 0;
  let steady = 0;
  for (let r = 0; r < rounds; r++) {
    floor = Math.max(floor, whitespaceFloor(lines, per));
    floor2 = Math.max(floor2, whitespaceFloor(lines, per, 'first'));
    const start = process.hrtime.bigint();
    for (let n = 0; n < per; ) for (let i = 0; i < lines.length && n < per; i++, n++) add(lines[i]!);
    steady = Math.max(steady, per / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  return { floor, floor2, steady, ratio: steady / floor, ratio2: steady / floor2 };
}

// A word without digits for a number (a, b, ..., z, ba, bb, ...), so the miner keeps it as a constant.
function word(n: number): string {
  let s = '';
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26);
  } while (n > 0);
  return s;
}

// `count` templates, one line each: a constant word of its own first (each template in a bucket of its
// own, so none merge), then shared words and variables.
export function generatedTemplates(count: number): string[] {
  return Array.from(
    { length: count },
    (_, i) => `${word(i)}x service reported state after ${i % 997} ms from 10.0.${i % 250}.${i % 200}:${1024 + (i % 5000)}`,
  );
}
