// What the benchmarks measure with: wall time of a job, medians and spreads, and the clock of the CLI's
// progress lines.

export async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
export const median = (xs: number[]) => sorted(xs)[Math.floor(xs.length / 2)]!;
export const spread = (xs: number[]) => `${sorted(xs)[0]!.toFixed(2)}-${sorted(xs).at(-1)!.toFixed(2)}`;

// Seconds at the first progress line of the CLI holding `text` ("[  1.8s] ocean/x: waiting for the health test").
export const progressAt = (out: string, text: string) =>
  Number(
    out
      .split('\n')
      .find((l) => l.includes(text))
      ?.match(/\[\s*([\d.]+)s\]/)?.[1] ?? NaN,
  );
